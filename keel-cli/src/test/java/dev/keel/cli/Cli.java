package dev.keel.cli;

import dev.keel.testkit.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs keel commands in-process and keeps what they printed. */
public record Cli(int exit, String out, String err) {

  public static Cli run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Cli(exit, out.toString(), err.toString());
  }

  /** {@code keel run FILE --db <test database> extra...} */
  public static Cli runPipeline(java.nio.file.Path file, String... extra) {
    String[] args = new String[4 + extra.length];
    args[0] = "run";
    args[1] = file.toString();
    args[2] = "--db";
    args[3] = TestDatabase.url();
    System.arraycopy(extra, 0, args, 4, extra.length);
    return run(args);
  }

  @Override
  public String toString() {
    return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
  }
}
