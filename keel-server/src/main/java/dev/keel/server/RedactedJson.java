package dev.keel.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import dev.keel.spec.Redactor;
import java.io.IOException;

/**
 * The API's JSON: every string of every answer (rows read from the metadata database, error
 * messages) passes through {@link Redactor}, so a resolved secret is masked whatever field holds
 * it.
 */
final class RedactedJson extends StdScalarSerializer<String> {
  private RedactedJson() {
    super(String.class);
  }

  static ObjectMapper mapper() {
    return new ObjectMapper()
        .registerModule(
            new SimpleModule("keel-redaction").addSerializer(String.class, new RedactedJson()));
  }

  @Override
  public void serialize(String value, JsonGenerator gen, SerializerProvider provider)
      throws IOException {
    gen.writeString(Redactor.mask(value));
  }
}
