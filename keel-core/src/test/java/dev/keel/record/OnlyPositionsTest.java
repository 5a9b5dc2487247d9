package dev.keel.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class OnlyPositionsTest {
  private static RecordSource numbers(long... positions) {
    Iterator<Long> it = LongStream.of(positions).boxed().iterator();
    return new RecordSource() {
      @Override
      public SourceRecord next() {
        return it.hasNext() ? SourceRecord.row(it.next(), new Object[0]) : null;
      }

      @Override
      public String describe() {
        return "numbers";
      }

      @Override
      public void close() {}
    };
  }

  @Test
  void only_the_listed_positions_pass_in_source_order() throws IOException {
    OnlyPositions only = new OnlyPositions(numbers(2, 3, 5, 7, 11, 13), new long[] {13, 3, 4, 11});

    List<Long> seen = new ArrayList<>();
    for (SourceRecord r; (r = only.next()) != null; ) {
      seen.add(r.position());
    }

    assertThat(seen).containsExactly(3L, 11L, 13L);
    assertThat(only.describe()).isEqualTo("numbers (only 4 positions)");
  }
}
