package dev.keel.cli.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Debian chromium driven by Selenium against a keel server on loopback. Never downloads
 * a browser or a driver ({@code SE_OFFLINE}); tests are skipped where {@code /usr/bin/chromium} is
 * missing ({@code .ci/run} installs chromium and chromium-driver).
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Duration WAIT = Duration.ofSeconds(20);

  final ChromeDriver driver;
  final String origin;

  private Browser(ChromeDriver driver, String origin) {
    this.driver = driver;
    this.origin = origin;
  }

  static void assumeInstalled() {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Debian chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
  }

  static Browser open(int port) {
    assumeInstalled();
    System.setProperty("SE_OFFLINE", "true");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1280,900");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(WAIT);
    return new Browser(driver, "http://127.0.0.1:" + port);
  }

  void go(String hash) {
    driver.get(origin + "/" + hash);
  }

  /** Shows a page by changing the hash only (the single page app keeps its session state). */
  void navigate(String hash) {
    ((JavascriptExecutor) driver).executeScript("location.hash = arguments[0]", hash);
  }

  WebElement waitFor(By by) {
    return explained(
        by.toString(),
        () ->
            new WebDriverWait(driver, WAIT)
                .ignoring(StaleElementReferenceException.class)
                .until(
                    d -> {
                      List<WebElement> found = d.findElements(by);
                      return found.isEmpty() ? null : found.get(0);
                    }));
  }

  /** Clicks the element once it is there; found again if a page redraw replaced it in between. */
  void click(By by) {
    explained(
        "clicking " + by,
        () ->
            new WebDriverWait(driver, WAIT)
                .ignoring(StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(
                    d -> {
                      d.findElement(by).click();
                      return true;
                    }));
  }

  void waitForText(By by, String text) {
    explained(
        by + " with " + text,
        () ->
            new WebDriverWait(driver, WAIT)
                .ignoring(StaleElementReferenceException.class)
                .until(d -> d.findElements(by).stream().anyMatch(e -> e.getText().contains(text))));
  }

  /**
   * A wait that fails with what the page showed and logged, and a screenshot under
   * target/screenshots.
   */
  private <T> T explained(String what, java.util.function.Supplier<T> wait) {
    try {
      return wait.get();
    } catch (org.openqa.selenium.TimeoutException e) {
      screenshot("failed-" + System.currentTimeMillis());
      throw new AssertionError(
          "waited "
              + WAIT.toSeconds()
              + " s for "
              + what
              + " at "
              + driver.getCurrentUrl()
              + "; the page shows:\n"
              + driver.findElement(By.tagName("body")).getText()
              + "\nbrowser log: "
              + driver.manage().logs().get(LogType.BROWSER).getAll(),
          e);
    }
  }

  void signIn(String token) {
    go("#/sign-in");
    waitFor(By.id("token")).sendKeys(token);
    driver.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
    waitFor(By.id("role"));
  }

  void signOut() {
    go("#/pipelines");
    waitFor(By.id("sign-out")).click();
    waitFor(By.id("token"));
  }

  /**
   * Runs {@code fetch} in the page and returns {@code status}; the page's session cookie goes with
   * it.
   */
  long fetchStatus(String method, String path, Map<String, String> headers) {
    Object status =
        ((JavascriptExecutor) driver)
            .executeAsyncScript(
                """
        const done = arguments[arguments.length - 1];
        fetch(arguments[1], { method: arguments[0], credentials: 'same-origin', headers: arguments[2] })
          .then(r => done(r.status), e => done(-1));""",
                method,
                path,
                headers);
    return ((Number) status).longValue();
  }

  Object script(String js, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(js, args);
  }

  List<LogEntry> severeLogs() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .toList();
  }

  /**
   * Saves a PNG of the window under target/screenshots, and into docs/ui when
   * -Dkeel.screenshots=docs.
   */
  void screenshot(String name) {
    byte[] png = driver.getScreenshotAs(OutputType.BYTES);
    assertThat(png).isNotEmpty();
    try {
      Path target = Path.of("target", "screenshots");
      Files.createDirectories(target);
      Files.write(target.resolve(name + ".png"), png);
      if ("docs".equals(System.getProperty("keel.screenshots")) && !name.startsWith("failed-")) {
        Path docs = Path.of("..", "docs", "ui");
        Files.createDirectories(docs);
        Files.write(docs.resolve(name + ".png"), png);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    driver.quit();
  }
}
