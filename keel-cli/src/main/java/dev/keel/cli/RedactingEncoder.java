package dev.keel.cli;

import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import dev.keel.spec.Redactor;
import java.nio.charset.StandardCharsets;

/**
 * Wraps the encoder of a log format (the text pattern or the JSON lines) and masks every resolved
 * secret ({@link Redactor}) in what it writes: message, arguments, MDC and stack trace alike. In
 * logback.xml: {@code <encoder class="dev.keel.cli.RedactingEncoder"><encoder class="...">...}.
 */
public final class RedactingEncoder<E> extends EncoderBase<E> {
  private Encoder<E> encoder;

  public void setEncoder(Encoder<E> encoder) {
    this.encoder = encoder;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("RedactingEncoder needs a nested <encoder>");
      return;
    }
    if (!encoder.isStarted()) {
      encoder.start();
    }
    super.start();
  }

  @Override
  public void stop() {
    encoder.stop();
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return masked(encoder.headerBytes());
  }

  @Override
  public byte[] encode(E event) {
    return masked(encoder.encode(event));
  }

  @Override
  public byte[] footerBytes() {
    return masked(encoder.footerBytes());
  }

  private static byte[] masked(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return bytes;
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    String safe = Redactor.mask(text);
    return safe == text ? bytes : safe.getBytes(StandardCharsets.UTF_8);
  }
}
