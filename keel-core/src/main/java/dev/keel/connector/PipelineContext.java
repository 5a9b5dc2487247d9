package dev.keel.connector;

import dev.keel.spec.Column;
import dev.keel.spec.Partitions;
import java.util.List;

/**
 * What a provider may need of the rest of the pipeline file while it reads its own section: the
 * pipeline's name (the default target table), its declared columns (keys and partition columns must
 * be among them) and its partitions. Columns and partitions may be empty or null when their own
 * sections had problems, already reported.
 */
public record PipelineContext(String name, List<Column> columns, Partitions partitions) {}
