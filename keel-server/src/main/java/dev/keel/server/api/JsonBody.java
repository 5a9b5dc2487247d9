package dev.keel.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.Iterator;
import java.util.Set;

/**
 * A request's JSON object body: empty means {}, malformed or unknown fields are a 400 that says
 * where.
 */
final class JsonBody {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonBody() {}

  static ObjectNode parse(Context ctx, Set<String> allowed) {
    String text = ctx.body(); // over the server's request limit this throws 413
    if (text.isBlank()) {
      return MAPPER.createObjectNode();
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(
          "malformed JSON body: "
              + e.getOriginalMessage()
              + " at line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr());
    }
    if (!(node instanceof ObjectNode object)) {
      throw ApiException.badRequest(
          "the body must be a JSON object, not " + node.getNodeType().name().toLowerCase());
    }
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        throw ApiException.badRequest(
            "unknown field '"
                + field
                + "'; expected "
                + (allowed.isEmpty() ? "no fields" : String.join(", ", allowed)));
      }
    }
    return object;
  }
}
