package dev.keel.bench;

import dev.keel.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code keel run FILE --db URL [args]} in this JVM, as the benchmarks time it. */
final class KeelRun {
  private KeelRun() {}

  /**
   * Runs the pipeline and returns how long it took, in seconds; throws with keel's output when it
   * exits other than 0. {@code BENCH_VERBOSE} set: keel's output is printed.
   */
  static double seconds(String label, Path pipeline, String db, String... args) {
    List<String> command = new ArrayList<>(List.of("run", pipeline.toString(), "--db", db));
    command.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    long t0 = System.nanoTime();
    int code =
        Main.execute(
            new PrintWriter(out, true), new PrintWriter(err, true), command.toArray(String[]::new));
    double took = (System.nanoTime() - t0) / 1e9;
    if (code != 0) {
      throw new IllegalStateException("keel run " + label + " exited " + code + ":\n" + out + err);
    }
    if (System.getenv("BENCH_VERBOSE") != null) {
      System.out.print(out);
    }
    return took;
  }
}
