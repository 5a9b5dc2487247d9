package dev.keel.cli;

import dev.keel.spec.Redactor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * What a command prints, with every resolved secret masked ({@link Redactor}). Text is held until a
 * line ends or the writer is flushed, so a secret that {@code printf} writes in pieces is still
 * seen whole; a secret that spans a line break is not (none of keel's messages split one).
 */
final class RedactingWriter extends Writer {
  private final Writer out;
  private final StringBuilder pending = new StringBuilder();

  private RedactingWriter(Writer out) {
    this.out = out;
  }

  /**
   * A PrintWriter over {@code out} that masks secrets; autoflush, like the writers picocli is
   * given.
   */
  static PrintWriter around(Writer out) {
    return new PrintWriter(new RedactingWriter(out), true);
  }

  @Override
  public synchronized void write(char[] buf, int off, int len) throws IOException {
    pending.append(buf, off, len);
    int end = pending.lastIndexOf("\n");
    if (end >= 0) {
      out.write(Redactor.mask(pending.substring(0, end + 1)));
      pending.delete(0, end + 1);
    }
  }

  @Override
  public synchronized void flush() throws IOException {
    if (!pending.isEmpty()) {
      out.write(Redactor.mask(pending.toString()));
      pending.setLength(0);
    }
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    flush();
    out.close();
  }
}
