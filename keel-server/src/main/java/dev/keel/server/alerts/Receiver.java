package dev.keel.server.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where alerts go, each in its service's documented format: PagerDuty Events API v2 (trigger and
 * resolve with the incident's dedup_key), Opsgenie Alert API (create with alias, close by alias), a
 * Slack incoming webhook, or a generic webhook that gets the alert as JSON. URLs are configurable
 * so tests and proxies can stand in. {@code toString} never shows a key or a URL (webhook URLs are
 * secrets too).
 */
public sealed interface Receiver {
  Duration TIMEOUT = Duration.ofSeconds(10);
  ObjectMapper JSON = new ObjectMapper();

  String name();

  HttpRequest request(Alert alert);

  record PagerDuty(String name, URI url, String routingKey) implements Receiver {
    public static final URI DEFAULT_URL = URI.create("https://events.pagerduty.com/v2/enqueue");

    @Override
    public HttpRequest request(Alert a) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("routing_key", routingKey);
      body.put("event_action", a.action());
      body.put("dedup_key", a.dedupKey());
      if (a.trigger()) {
        Map<String, Object> details = new LinkedHashMap<>(a.details());
        details.put("kind", a.kind());
        body.put(
            "payload",
            Map.of(
                "summary",
                cut(a.summary(), 1024),
                "source",
                "keel",
                "severity",
                "error",
                "component",
                String.valueOf(a.pipeline()),
                "group",
                a.kind(),
                "custom_details",
                details));
      }
      return post(url, body, null);
    }

    @Override
    public String toString() {
      return "pagerduty receiver " + name;
    }
  }

  record Opsgenie(String name, URI url, String apiKey) implements Receiver {
    public static final URI DEFAULT_URL = URI.create("https://api.opsgenie.com/v2/alerts");

    @Override
    public HttpRequest request(Alert a) {
      String auth = "GenieKey " + apiKey;
      if (a.trigger()) {
        return post(
            url,
            Map.of(
                "message",
                cut(a.summary(), 130),
                "alias",
                a.dedupKey(),
                "description",
                a.summary(),
                "source",
                "keel",
                "priority",
                "P2",
                "tags",
                List.of("keel", a.kind()),
                "details",
                stringValues(a.details())),
            auth);
      }
      URI close =
          URI.create(
              url.toString().replaceAll("/$", "")
                  + "/"
                  + URLEncoder.encode(a.dedupKey(), StandardCharsets.UTF_8)
                  + "/close?identifierType=alias");
      return post(close, Map.of("source", "keel", "note", a.summary()), auth);
    }

    @Override
    public String toString() {
      return "opsgenie receiver " + name;
    }
  }

  record Slack(String name, URI webhook) implements Receiver {
    @Override
    public HttpRequest request(Alert a) {
      String icon = a.trigger() ? ":red_circle:" : ":white_check_mark:";
      return post(
          webhook,
          Map.of("text", icon + " " + (a.trigger() ? "" : "resolved: ") + a.summary()),
          null);
    }

    @Override
    public String toString() {
      return "slack receiver " + name;
    }
  }

  record Webhook(String name, URI url) implements Receiver {
    @Override
    public HttpRequest request(Alert a) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("dedup_key", a.dedupKey());
      body.put("action", a.action());
      body.put("kind", a.kind());
      body.put("pipeline", a.pipeline());
      body.put("summary", a.summary());
      body.put("details", a.details());
      body.put("created_at", a.createdAt());
      return post(url, body, null);
    }

    @Override
    public String toString() {
      return "webhook receiver " + name;
    }
  }

  private static HttpRequest post(URI url, Object body, String authorization) {
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(url)
              .timeout(TIMEOUT)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      return b.build();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("alert body cannot be written as JSON", e);
    }
  }

  private static Map<String, String> stringValues(Map<String, Object> details) {
    Map<String, String> out = new LinkedHashMap<>();
    details.forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
