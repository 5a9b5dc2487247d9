package dev.keel.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.keel.spec.AlertChecks;
import dev.keel.spec.SecretResolver;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster's alert file: named receivers and rules that route kinds of alerts (optionally of
 * some pipelines) to them. Keys and webhook URLs are secret references ({@code ${env:X}},
 * {@code ${file:/p}}), resolved here and never logged.
 *
 * <pre>
 * alerts:
 *   receivers:
 *     oncall: { pagerduty: { routing_key: "${env:PD_ROUTING_KEY}" } }
 *     chat:   { slack: { webhook: "${env:SLACK_WEBHOOK}" } }
 *   rules:
 *     - on: [task_failed, run_failed]
 *       pipelines: [orders_daily]      # optional: every pipeline when absent (node_lost has none)
 *       send: [oncall, chat]
 *     - on: [node_lost, run_late, rejected_ratio]
 *       send: [chat]
 *   checks:                            # optional; what the nodes look for, with these defaults
 *     node_lost_after: 15s             # no heartbeat for this long (and not stopped)
 *     run_late_after: 1h               # a schedule tick with no successful run this long after it
 *     rejected_ratio: 1%               # a partition's last attempt rejected more than this of what it read
 * </pre>
 */
public final class AlertRules {
  public static final Set<String> KINDS = Set.of("task_failed", "run_failed", "node_lost", "run_late", "rejected_ratio");

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(s|m|h)");
  private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*%");

  private record Rule(Set<String> kinds, Set<String> pipelines, List<String> send) {}

  private final Map<String, Receiver> receivers;
  private final List<Rule> rules;
  private final AlertChecks checks;

  private AlertRules(Map<String, Receiver> receivers, List<Rule> rules, AlertChecks checks) {
    this.receivers = receivers;
    this.rules = rules;
    this.checks = checks;
  }

  public static AlertRules none() {
    return new AlertRules(Map.of(), List.of(), AlertChecks.DEFAULT);
  }

  public AlertChecks checks() {
    return checks;
  }

  public static AlertRules read(Path file, SecretResolver secrets) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot be read as YAML: " + e.getMessage());
    }
    JsonNode alerts = only(root, file + "", Set.of("alerts")).get("alerts");
    only(alerts, "alerts", Set.of("receivers", "rules", "checks"));
    Map<String, Receiver> receivers = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = alerts.path("receivers").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      receivers.put(e.getKey(), receiver(e.getKey(), e.getValue(), secrets));
    }
    List<Rule> rules = new ArrayList<>();
    int i = 0;
    for (JsonNode r : alerts.path("rules")) {
      String where = "alerts.rules[" + i++ + "]";
      only(r, where, Set.of("on", "pipelines", "send"));
      Set<String> kinds = Set.copyOf(strings(r.get("on"), where + ".on"));
      for (String k : kinds) {
        if (!KINDS.contains(k)) {
          throw new IllegalArgumentException(where + ".on: '" + k + "' is not one of " + KINDS);
        }
      }
      List<String> send = strings(r.get("send"), where + ".send");
      for (String s : send) {
        if (!receivers.containsKey(s)) {
          throw new IllegalArgumentException(where + ".send: no receiver named '" + s + "' (have " + receivers.keySet() + ")");
        }
      }
      Set<String> pipelines = r.has("pipelines") ? Set.copyOf(strings(r.get("pipelines"), where + ".pipelines")) : Set.of();
      rules.add(new Rule(kinds, pipelines, send));
    }
    return new AlertRules(receivers, rules, checks(alerts.get("checks")));
  }

  private static AlertChecks checks(JsonNode node) {
    if (node == null) {
      return AlertChecks.DEFAULT;
    }
    only(node, "alerts.checks", Set.of("node_lost_after", "run_late_after", "rejected_ratio"));
    Duration lost = node.has("node_lost_after") ? duration(node.get("node_lost_after"), "alerts.checks.node_lost_after")
        : AlertChecks.DEFAULT_NODE_LOST_AFTER;
    Duration late = node.has("run_late_after") ? duration(node.get("run_late_after"), "alerts.checks.run_late_after")
        : AlertChecks.DEFAULT_RUN_LATE_AFTER;
    double ratio = AlertChecks.DEFAULT_REJECTED_RATIO;
    if (node.has("rejected_ratio")) {
      Matcher m = PERCENT.matcher(node.get("rejected_ratio").asText().trim());
      if (!m.matches() || Double.parseDouble(m.group(1)) > 100) {
        throw new IllegalArgumentException("alerts.checks.rejected_ratio: '" + node.get("rejected_ratio").asText()
            + "' is not a percentage from 0% to 100%; write e.g. 1% or 0.5%");
      }
      ratio = Double.parseDouble(m.group(1)) / 100;
    }
    return new AlertChecks(lost, late, ratio);
  }

  private static Duration duration(JsonNode v, String where) {
    Matcher m = DURATION.matcher(v.asText().trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(where + ": '" + v.asText() + "' is not a duration; write e.g. 30s, 10m or 2h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /** The receivers an alert goes to, each once, in file order. */
  public List<Receiver> receiversFor(Alert alert) {
    List<Receiver> out = new ArrayList<>();
    for (Rule r : rules) {
      // A rule limited to some pipelines does not take alerts of no pipeline (node_lost).
      boolean pipelineMatches = r.pipelines().isEmpty() || (alert.pipeline() != null && r.pipelines().contains(alert.pipeline()));
      if (r.kinds().contains(alert.kind()) && pipelineMatches) {
        for (String s : r.send()) {
          if (!out.contains(receivers.get(s))) {
            out.add(receivers.get(s));
          }
        }
      }
    }
    return out;
  }

  private static Receiver receiver(String name, JsonNode node, SecretResolver secrets) {
    String where = "alerts.receivers." + name;
    only(node, where, Set.of("pagerduty", "opsgenie", "slack", "webhook"));
    if (node.size() != 1) {
      throw new IllegalArgumentException(where + ": give exactly one of pagerduty, opsgenie, slack, webhook");
    }
    String type = node.fieldNames().next();
    JsonNode o = node.get(type);
    return switch (type) {
      case "pagerduty" -> {
        only(o, where + ".pagerduty", Set.of("routing_key", "url"));
        yield new Receiver.PagerDuty(name, url(o, "url", Receiver.PagerDuty.DEFAULT_URL, secrets, where),
            secret(o, "routing_key", secrets, where));
      }
      case "opsgenie" -> {
        only(o, where + ".opsgenie", Set.of("api_key", "url"));
        yield new Receiver.Opsgenie(name, url(o, "url", Receiver.Opsgenie.DEFAULT_URL, secrets, where),
            secret(o, "api_key", secrets, where));
      }
      case "slack" -> {
        only(o, where + ".slack", Set.of("webhook"));
        yield new Receiver.Slack(name, url(o, "webhook", null, secrets, where));
      }
      default -> {
        only(o, where + ".webhook", Set.of("url"));
        yield new Receiver.Webhook(name, url(o, "url", null, secrets, where));
      }
    };
  }

  private static URI url(JsonNode o, String key, URI fallback, SecretResolver secrets, String where) {
    if (!o.has(key) && fallback != null) {
      return fallback;
    }
    String value = secret(o, key, secrets, where);
    try {
      URI uri = URI.create(value);
      if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))) {
        throw new IllegalArgumentException();
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + "." + key + " is not an http(s) URL");
    }
  }

  private static String secret(JsonNode o, String key, SecretResolver secrets, String where) {
    JsonNode v = o.get(key);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(where + "." + key + " is required");
    }
    return secrets.resolve(v.asText()).reveal();
  }

  private static List<String> strings(JsonNode n, String where) {
    List<String> out = new ArrayList<>();
    if (n != null && n.isTextual()) {
      out.add(n.asText());
    } else if (n != null && n.isArray()) {
      n.forEach(x -> out.add(x.asText()));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(where + " needs at least one name");
    }
    return out;
  }

  private static JsonNode only(JsonNode node, String where, Set<String> keys) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(where + " must be a mapping with " + keys);
    }
    node.fieldNames().forEachRemaining(k -> {
      if (!keys.contains(k)) {
        throw new IllegalArgumentException(where + ": unknown key '" + k + "' (expected " + keys + ")");
      }
    });
    return node;
  }
}
