package dev.keel.server.alerts;

import dev.keel.spec.AlertChecks;
import dev.keel.spec.ConfigFile;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.Secret;
import dev.keel.spec.SecretResolver;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster's alert file: named receivers and rules that route kinds of alerts (optionally of
 * some pipelines) to them. Keys and webhook URLs are secret references ({@code ${env:X}}, {@code
 * ${file:/p}}), resolved here and never logged.
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
  public static final Set<String> KINDS =
      Set.of("task_failed", "run_failed", "node_lost", "run_late", "window_late", "rejected_ratio");

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

  /**
   * Reads the alert file with the same safe YAML reader as pipelines; a SpecException lists every
   * problem with its line and column.
   */
  public static AlertRules read(Path file, SecretResolver secrets) {
    ConfigFile config = ConfigFile.read(file, secrets);
    ConfigSection alerts = config.root("alerts");
    alerts.onlyKeys(Set.of("receivers", "rules", "checks"));
    Map<String, Receiver> receivers = new LinkedHashMap<>();
    Map<String, ConfigSection> named = alerts.sections("receivers");
    named.forEach(
        (name, section) -> {
          Receiver r = receiver(name, section);
          if (r != null) {
            receivers.put(name, r);
          }
        });
    List<Rule> rules = new ArrayList<>();
    for (ConfigSection r : alerts.list("rules")) {
      r.onlyKeys(Set.of("on", "pipelines", "send"));
      Set<String> kinds = new LinkedHashSet<>(r.names("on"));
      for (String k : kinds) {
        if (!KINDS.contains(k)) {
          r.error("on", r.where() + ".on: '" + k + "' is not one of " + KINDS);
        }
      }
      List<String> send = r.names("send");
      for (String name : send) {
        if (!named.containsKey(name)) {
          r.error(
              "send",
              r.where()
                  + ".send: no receiver named '"
                  + name
                  + "' (have "
                  + receivers.keySet()
                  + ")");
        }
      }
      Set<String> pipelines = r.has("pipelines") ? Set.copyOf(r.names("pipelines")) : Set.of();
      rules.add(new Rule(Set.copyOf(kinds), pipelines, send));
    }
    AlertChecks checks = checks(alerts.section("checks"));
    config.check();
    return new AlertRules(receivers, rules, checks);
  }

  private static AlertChecks checks(ConfigSection section) {
    if (section == null) {
      return AlertChecks.DEFAULT;
    }
    section.onlyKeys(Set.of("node_lost_after", "run_late_after", "rejected_ratio"));
    Duration lost = section.duration("node_lost_after", AlertChecks.DEFAULT_NODE_LOST_AFTER);
    Duration late = section.duration("run_late_after", AlertChecks.DEFAULT_RUN_LATE_AFTER);
    double ratio = AlertChecks.DEFAULT_REJECTED_RATIO;
    String written = section.string("rejected_ratio");
    if (written != null) {
      Matcher m = PERCENT.matcher(written.trim());
      if (!m.matches() || Double.parseDouble(m.group(1)) > 100) {
        section.error(
            "rejected_ratio",
            section.where()
                + ".rejected_ratio: '"
                + written
                + "' is not a percentage from 0% to 100%; write e.g. 1% or 0.5%");
      } else {
        ratio = Double.parseDouble(m.group(1)) / 100;
      }
    }
    return new AlertChecks(lost, late, ratio);
  }

  /** The receivers an alert goes to, each once, in file order. */
  public List<Receiver> receiversFor(Alert alert) {
    List<Receiver> out = new ArrayList<>();
    for (Rule r : rules) {
      // A rule limited to some pipelines does not take alerts of no pipeline (node_lost).
      boolean pipelineMatches =
          r.pipelines().isEmpty()
              || (alert.pipeline() != null && r.pipelines().contains(alert.pipeline()));
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

  private static Receiver receiver(String name, ConfigSection node) {
    if (node == null) {
      return null;
    }
    String where = node.where();
    node.onlyKeys(Set.of("pagerduty", "opsgenie", "slack", "webhook"));
    if (node.keys().size() != 1) {
      node.error(where + ": give exactly one of pagerduty, opsgenie, slack, webhook");
      return null;
    }
    String type = node.keys().iterator().next();
    ConfigSection o = node.section(type);
    return switch (type) {
      case "pagerduty" -> {
        o.onlyKeys(Set.of("routing_key", "url"));
        yield new Receiver.PagerDuty(
            name, url(o, "url", Receiver.PagerDuty.DEFAULT_URL), secret(o, "routing_key"));
      }
      case "opsgenie" -> {
        o.onlyKeys(Set.of("api_key", "url"));
        yield new Receiver.Opsgenie(
            name, url(o, "url", Receiver.Opsgenie.DEFAULT_URL), secret(o, "api_key"));
      }
      case "slack" -> {
        o.onlyKeys(Set.of("webhook"));
        yield new Receiver.Slack(name, url(o, "webhook", null));
      }
      case "webhook" -> {
        o.onlyKeys(Set.of("url"));
        yield new Receiver.Webhook(name, url(o, "url", null));
      }
      default -> null; // reported by onlyKeys
    };
  }

  private static URI url(ConfigSection o, String key, URI fallback) {
    if (!o.has(key) && fallback != null) {
      return fallback;
    }
    String value = secret(o, key);
    if (value == null) {
      return fallback;
    }
    try {
      URI uri = URI.create(value);
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))) {
        throw new IllegalArgumentException();
      }
      return uri;
    } catch (IllegalArgumentException e) {
      o.error(key, o.where() + "." + key + " is not an http(s) URL");
      return fallback;
    }
  }

  /**
   * The value with its references resolved; never put in a message (it is a key or a webhook URL).
   */
  private static String secret(ConfigSection o, String key) {
    String written = o.string(key);
    if (written == null || written.isBlank()) {
      o.error(key, o.where() + "." + key + " is required");
      return null;
    }
    Secret secret = o.secret(key);
    return secret == null ? null : secret.reveal();
  }
}
