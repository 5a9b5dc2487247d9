package dev.keel.cli.plugin;

import dev.keel.connector.PipelineContext;
import dev.keel.connector.SourceProvider;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.spec.Column;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.SourceSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A connector that exists only in the tests: {@code source: { sequence: { rows: N } }} yields the
 * records 1..N, each with {@code id} = its number and every other column null. Registered by this
 * module's test resources alone, it shows a kind plugs in with no engine, CLI or core change.
 */
public final class SequenceSource implements SourceProvider {
  record Spec(long rows) implements SourceSpec {
    @Override
    public String kind() {
      return "sequence";
    }
  }

  @Override
  public String kind() {
    return "sequence";
  }

  @Override
  public SourceSpec parse(ConfigSection section, PipelineContext pipeline) {
    section.onlyKeys(Set.of("rows"));
    if (!section.has("rows")) {
      section.error(section.where() + " needs 'rows'");
    }
    if (!pipeline.columns().isEmpty()
        && pipeline.columns().stream().noneMatch(c -> c.name().equals("id"))) {
      section.error(section.where() + " yields an 'id' column; declare it");
    }
    return new Spec(section.integer("rows", 0, 0, 10_000_000));
  }

  @Override
  public RecordSource open(
      SourceSpec spec, List<Column> columns, String partition, Path baseDir, String resume) {
    long rows = ((Spec) spec).rows();
    int id = columns.stream().map(Column::name).toList().indexOf("id");
    return new RecordSource() {
      long next = resume == null ? 1 : Long.parseLong(resume) + 1;

      @Override
      public SourceRecord next() {
        if (next > rows) {
          return null;
        }
        Object[] values = new Object[columns.size()];
        values[id] = next;
        return SourceRecord.row(next++, values);
      }

      @Override
      public String position() {
        return next == 1 ? null : Long.toString(next - 1);
      }

      @Override
      public String describe() {
        return "sequence 1.." + rows;
      }

      @Override
      public void close() {}
    };
  }
}
