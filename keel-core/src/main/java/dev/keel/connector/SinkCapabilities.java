package dev.keel.connector;

import dev.keel.spec.SinkSpec;
import java.util.Set;

/**
 * What a kind of sink supports, declared by its provider.
 *
 * @param modes the publish modes it implements
 * @param chunkCommit whether it can publish a partition in chunks, each with a checkpoint ({@code
 *     commit: chunk})
 * @param fenced whether its publish checks the task's fence in the same transaction (a zombie
 *     cannot publish)
 * @param constraintRejects whether rows the target refuses at publish are dead-lettered one by one
 * @param maxColumns the most columns a pipeline into it may declare
 * @param maxColumnsWhy why, for the message that refuses more
 */
public record SinkCapabilities(
    Set<SinkSpec.Mode> modes,
    boolean chunkCommit,
    boolean fenced,
    boolean constraintRejects,
    int maxColumns,
    String maxColumnsWhy) {}
