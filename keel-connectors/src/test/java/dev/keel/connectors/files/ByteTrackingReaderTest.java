package dev.keel.connectors.files;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.record.Coercion;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** The byte offset it gives for a character is that of the text's UTF-8 encoding. */
class ByteTrackingReaderTest {
  @Property(tries = 200)
  void every_offset_in_the_window_is_the_utf8_length_of_the_text_before_it(
      @ForAll @StringLength(max = 300) String text,
      @ForAll @IntRange(min = 1, max = 17) int chunk,
      @ForAll @IntRange(max = 1000) int startByte)
      throws IOException {
    String valid = text.replace(Coercion.MALFORMED, 'x');
    valid = new String(valid.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    ByteTrackingReader r = new ByteTrackingReader(new StringReader(valid), 5, startByte);
    char[] buf = new char[chunk];
    while (r.read(buf, 0, chunk) >= 0) {
      // read it all, in small pieces
    }
    for (int i = 0; i <= valid.length(); i++) {
      if (i > 0 && Character.isHighSurrogate(valid.charAt(i - 1))) {
        continue; // inside a surrogate pair: never where a record starts
      }
      int expected = valid.substring(0, i).getBytes(StandardCharsets.UTF_8).length;
      assertThat(r.byteOffset(5 + i)).isEqualTo(startByte + expected);
    }
  }

  @Test
  void after_malformed_bytes_no_offset_is_given() throws IOException {
    ByteTrackingReader r =
        new ByteTrackingReader(new StringReader("ab" + Coercion.MALFORMED + "cd"), 0, 0);
    char[] buf = new char[10];
    while (r.read(buf, 0, 10) >= 0) {
      // read it all
    }
    assertThat(r.byteOffset(4)).isEqualTo(-1);
  }

  @Test
  void a_character_outside_the_window_has_no_offset() throws IOException {
    ByteTrackingReader r =
        new ByteTrackingReader(new StringReader("a".repeat(ByteTrackingReader.WINDOW + 10)), 0, 0);
    char[] buf = new char[4096];
    while (r.read(buf, 0, buf.length) >= 0) {
      // read it all
    }
    assertThat(r.byteOffset(5)).isEqualTo(-1);
    assertThat(r.byteOffset(ByteTrackingReader.WINDOW + 10))
        .isEqualTo(ByteTrackingReader.WINDOW + 10);
  }
}
