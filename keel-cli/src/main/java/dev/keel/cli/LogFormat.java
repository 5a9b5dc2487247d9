package dev.keel.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

/**
 * Chooses the log format of long-running commands: JSON lines unless {@code KEEL_LOG_FORMAT} says
 * otherwise. {@code keel run} keeps the human-readable default.
 */
final class LogFormat {
  private LogFormat() {}

  /**
   * Switches to JSON lines, unless KEEL_LOG_FORMAT was set (then logback.xml already obeyed it).
   */
  static void jsonByDefault() {
    if (System.getenv("KEEL_LOG_FORMAT") != null
        || "json".equals(System.getProperty("keel.log.format"))) {
      return;
    }
    System.setProperty("keel.log.format", "json");
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.reset();
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      try {
        configurator.doConfigure(LogFormat.class.getResource("/logback.xml"));
      } catch (JoranException e) {
        System.err.println("keel: could not switch logs to JSON: " + e.getMessage());
      }
    }
  }
}
