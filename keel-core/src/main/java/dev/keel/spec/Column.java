package dev.keel.spec;

/** A declared column of the record a source yields: a validated identifier and a type. */
public record Column(String name, ColumnType type) {}
