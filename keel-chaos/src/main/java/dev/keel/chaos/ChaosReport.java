package dev.keel.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A chaos session told two ways: a table per fault kind and check, and a JSON report. */
public final class ChaosReport {
  private final ChaosResult result;

  public ChaosReport(ChaosResult result) {
    this.result = result;
  }

  /** Injected, recovered, and time to recover (p50, max) of one fault kind. */
  public record KindSummary(int injected, int recovered, Duration p50, Duration max) {}

  public Map<FaultKind, KindSummary> byKind() {
    Map<FaultKind, KindSummary> out = new TreeMap<>();
    for (FaultKind kind : result.settings().faults()) {
      List<Fault> of = result.faults().stream().filter(f -> f.kind() == kind).toList();
      List<Duration> times =
          of.stream().filter(Fault::recovered).map(Fault::timeToRecover).sorted().toList();
      out.put(
          kind,
          new KindSummary(
              of.size(),
              times.size(),
              times.isEmpty() ? null : times.get((times.size() - 1) / 2),
              times.isEmpty() ? null : times.get(times.size() - 1)));
    }
    return out;
  }

  public void printTable(PrintWriter out) {
    out.printf(
        "%n%-8s %9s %10s %12s %12s%n",
        "fault", "injected", "recovered", "recover p50", "recover max");
    byKind()
        .forEach(
            (kind, s) ->
                out.printf(
                    "%-8s %9d %10d %12s %12s%n",
                    kind.label(), s.injected(), s.recovered(), seconds(s.p50()), seconds(s.max())));
    out.printf("%n%-17s %-6s %s%n", "check", "result", "what was checked");
    for (Check c : result.checks()) {
      out.printf("%-17s %-6s %s%n", c.name(), c.ok() ? "ok" : "BROKEN", c.detail());
      for (String p : c.problems()) {
        out.printf("  - %s%n", p);
      }
    }
    out.flush();
  }

  private static String seconds(Duration d) {
    return d == null ? "-" : String.format("%.1f s", d.toMillis() / 1000.0);
  }

  public ObjectNode json() {
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    ChaosSettings s = result.settings();
    root.put("ok", result.ok());
    root.put("seed", s.seed());
    root.put("nodes", s.nodes());
    root.put("duration_ms", s.duration().toMillis());
    root.put("lease_ms", s.lease().toMillis());
    ArrayNode faults = root.putArray("faults");
    for (Fault f : result.faults()) {
      ObjectNode o = faults.addObject();
      o.put("kind", f.kind().label());
      o.put("target", f.target());
      o.put("injected_at", f.injectedAt().toString());
      o.put("healed_at", f.healedAt().toString());
      o.put("recovered", f.recovered());
      if (f.recovered()) {
        o.put("recovered_at", f.recoveredAt().toString());
        o.put("time_to_recover_ms", f.timeToRecover().toMillis());
      }
    }
    ObjectNode kinds = root.putObject("by_kind");
    byKind()
        .forEach(
            (kind, k) -> {
              ObjectNode o = kinds.putObject(kind.label());
              o.put("injected", k.injected());
              o.put("recovered", k.recovered());
              o.put("recover_p50_ms", k.p50() == null ? null : k.p50().toMillis());
              o.put("recover_max_ms", k.max() == null ? null : k.max().toMillis());
            });
    ObjectNode runs = root.putObject("runs");
    new TreeMap<>(result.runs())
        .forEach((id, days) -> days.forEach(runs.putArray(String.valueOf(id))::add));
    ArrayNode checks = root.putArray("checks");
    for (Check c : result.checks()) {
      ObjectNode o = checks.addObject();
      o.put("name", c.name());
      o.put("ok", c.ok());
      o.put("detail", c.detail());
      c.problems().forEach(o.putArray("problems")::add);
    }
    return root;
  }

  /** Writes the JSON report whole or not at all (a temporary file moved into place). */
  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), json());
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
