package dev.keel.cli.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.Cli;
import dev.keel.cli.ServerReplays;
import dev.keel.cli.SinkRollbacks;
import dev.keel.engine.node.ClusterNode;
import dev.keel.engine.node.NodeConfig;
import dev.keel.runtime.RuntimeEvents;
import dev.keel.server.KeelServer;
import dev.keel.server.api.Role;
import dev.keel.server.api.Session;
import dev.keel.server.api.Tokens;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The web UI in a real browser (Debian chromium, headless) against a real keel server and node on
 * the test PostgreSQL, after real runs of real pipelines: what an operator and a viewer see and may
 * do.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiBrowserTest {
  static final String ORDERS =
      """
      name: orders
      partitions: { values: [eu, us, apac] }
      source: { csv: { path: "orders-${partition}.csv", header: true } }
      columns: { id: bigint, customer: text, amount: "numeric(12,2)" }
      validate: { not_null: [id, customer], max_rejected: 5 }
      sink: { postgres: { table: orders, key: [id], mode: upsert } }
      retry: { attempts: 2, backoff: 100ms }
      """;
  static final String SCRIPT = "<script>window.keelPwned=1</script>";
  static final String PRICES =
      """
      name: prices
      partitions: { values: [a, b] }
      source: { csv: { path: "prices-${partition}.csv", header: true } }
      columns: { id: bigint, region: text, price: "numeric(8,2)" }
      sink: { postgres: { table: prices, key: [id], mode: upsert, keep_versions: 2 } }
      """;

  @TempDir static Path dir;
  static MetadataStore store;
  static Database coordination;
  static ClusterNode node;
  static KeelServer server;
  static String viewer;
  static String operator;
  static long pricesRun1;
  static long pricesRun2;
  static List<String> pricesAAfterRun1;
  static List<String> pricesBAfterRun2;
  Browser browser;

  @BeforeAll
  static void start() throws Exception {
    Browser.assumeInstalled();
    TestDatabase.reset();
    for (String p : List.of("eu", "us", "apac")) {
      String rows =
          IntStream.rangeClosed(1, 40)
              .mapToObj(i -> (p.hashCode() % 1000 * 1000L + i) + ",customer " + i + "," + i + ".50")
              .collect(Collectors.joining("\n"));
      String bad = p.equals("eu") ? "\n999001," + SCRIPT + ",not-a-number\n999002,,3.00" : "";
      Files.writeString(
          dir.resolve("orders-" + p + ".csv"), "id,customer,amount\n" + rows + bad + "\n");
    }
    Path file = dir.resolve("orders.yaml");
    Files.writeString(file, ORDERS);
    assertThat(Cli.runPipeline(file).exit()).isZero();
    Files.writeString(file, ORDERS.replace("max_rejected: 5", "max_rejected: 10"));
    assertThat(Cli.runPipeline(file).exit()).isZero();
    // A pipeline with a partition whose file is missing: a failed task to look at and retry.
    Files.writeString(
        dir.resolve("events.yaml"),
        ORDERS
            .replace("name: orders", "name: events")
            .replace("orders-", "events-")
            .replace("table: orders", "table: events"));
    Files.copy(dir.resolve("orders-us.csv"), dir.resolve("events-us.csv"));
    Files.copy(dir.resolve("orders-apac.csv"), dir.resolve("events-apac.csv"));
    assertThat(Cli.runPipeline(dir.resolve("events.yaml")).exit()).isEqualTo(1);
    assertThat(Cli.runPipeline(dir.resolve("events.yaml")).exit())
        .isEqualTo(1); // a second failed task, for the viewer
    // A pipeline that keeps versions of its loads, loaded twice: a history to roll back.
    Files.writeString(dir.resolve("prices.yaml"), PRICES);
    loadPrices("1,a,1.00\n2,a,2.00\n3,a,3.00", "101,b,1.00\n102,b,2.00");
    pricesAAfterRun1 = prices("a");
    loadPrices("1,a,1.50\n3,a,3.00\n4,a,4.00", "101,b,9.00\n103,b,3.00");
    pricesBAfterRun2 = prices("b");
    List<String> pricesRuns =
        TestDatabase.rows("SELECT id FROM keel.run WHERE pipeline = 'prices' ORDER BY id");
    pricesRun1 = Long.parseLong(pricesRuns.get(0));
    pricesRun2 = Long.parseLong(pricesRuns.get(1));

    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 6, "ui-test"));
    coordination = new Database(TestDatabase.url(), null, null, 2, "ui-test-coordination");
    node =
        new ClusterNode(
            store,
            MetadataStore.attach(coordination),
            NodeConfig.builder("node-a").workers(2).poll(Duration.ofMillis(200)).build(),
            RuntimeEvents.NONE);
    node.start();
    server =
        KeelServer.builder(store, KeelMetrics.prometheus())
            .host("127.0.0.1")
            .port(0)
            .replays(new ServerReplays(store))
            .rollbacks(new SinkRollbacks(store))
            .build()
            .start();
    viewer = new Tokens(store.db()).create(Role.VIEWER, "browser test");
    operator = new Tokens(store.db()).create(Role.OPERATOR, "browser test");
  }

  private static void loadPrices(String a, String b) throws IOException {
    Files.writeString(dir.resolve("prices-a.csv"), "id,region,price\n" + a + "\n");
    Files.writeString(dir.resolve("prices-b.csv"), "id,region,price\n" + b + "\n");
    Cli run = Cli.runPipeline(dir.resolve("prices.yaml"));
    assertThat(run.exit()).as(run.toString()).isZero();
  }

  private static List<String> prices(String region) {
    return TestDatabase.rows(
        "SELECT id, price FROM prices WHERE region = '" + region + "' ORDER BY id");
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (server != null) {
      server.stop();
      node.drain();
      coordination.close();
      store.close();
    }
  }

  @BeforeEach
  void openBrowser() {
    browser = Browser.open(server.port());
  }

  @AfterEach
  void closeBrowser() {
    browser.close();
  }

  @Test
  @Order(1) // before the tests that act, so the counts are those of the runs made in start()
  void the_pages_show_the_runs_tasks_nodes_and_dead_letters_in_the_database() {
    browser.signIn(viewer);

    browser.go("#/pipelines");
    browser.waitForText(By.cssSelector("tr[data-pipeline=orders]"), "succeeded");
    assertThat(browser.driver.findElement(By.cssSelector("tr[data-pipeline=orders]")).getText())
        .contains("orders", "on demand", "succeeded", "run 2", "old", "2");
    assertThat(browser.driver.findElement(By.cssSelector("tr[data-pipeline=events]")).getText())
        .contains("failed");
    browser.screenshot("pipelines");

    browser.navigate("#/pipelines/orders");
    browser.waitFor(By.cssSelector("table.grid"));
    assertThat(browser.driver.findElements(By.cssSelector("table.grid a.sq.s-succeeded")))
        .hasSize(2 + 2 * 3);
    browser.screenshot("pipeline-grid");

    browser.navigate("#/pipelines/orders/versions");
    browser.waitFor(By.cssSelector("pre.diff span.add"));
    assertThat(browser.driver.findElement(By.cssSelector("pre.diff span.add")).getText())
        .contains("max_rejected: 10");
    assertThat(browser.driver.findElement(By.cssSelector("pre.diff span.del")).getText())
        .contains("max_rejected: 5");
    browser.screenshot("pipeline-versions");

    browser.navigate("#/runs/2");
    browser.waitFor(By.cssSelector("tr[data-task]"));
    WebElement eu = browser.driver.findElement(By.xpath("//tr[td/a[text()='eu']]"));
    assertThat(eu.getText())
        .contains("succeeded", "1 / 2", "42", "2", "40"); // read, rejected, published
    browser.screenshot("run");

    String failedTask =
        TestDatabase.value(
            "SELECT min(id) FROM keel.task WHERE pipeline = 'events' AND partition = 'eu'");
    browser.navigate("#/tasks/" + failedTask);
    browser.waitFor(By.cssSelector(".timeline .bar"));
    assertThat(browser.driver.findElement(By.tagName("main")).getText())
        .contains("failed", "orders-eu.csv".replace("orders", "events"));
    browser.screenshot("task");

    browser.navigate("#/nodes");
    browser.waitForText(By.tagName("main"), "node-a");
    assertThat(browser.driver.findElement(By.tagName("main")).getText()).contains("alive");
    browser.screenshot("nodes");

    browser.navigate("#/dead-letters?pipeline=orders&partition=eu&run=2");
    browser.waitFor(By.cssSelector("tr[data-dead-letter]"));
    assertThat(browser.driver.findElements(By.cssSelector("tr[data-dead-letter]"))).hasSize(2);
    browser.screenshot("dead-letters");

    browser.navigate("#/alerts");
    browser.waitForText(By.tagName("main"), "History");
    assertThat(browser.driver.findElement(By.tagName("main")).getText())
        .contains("task_failed", "events");
    browser.screenshot("alerts");
  }

  @Test
  void an_operator_triggers_a_run_from_the_ui_and_watches_it_succeed() {
    browser.signIn(operator);
    browser.navigate("#/pipelines/orders");

    browser.waitFor(By.xpath("//button[text()='Trigger run']")).click();

    browser.waitForText(By.id("flash"), "Trigger run: done (run ");
    String flash = browser.driver.findElement(By.id("flash")).getText();
    String run = flash.replaceAll(".*\\(run (\\d+)\\).*", "$1");
    browser.navigate("#/runs/" + run);
    browser.waitFor(By.cssSelector("h1 .badge"));
    browser.waitForText(
        By.cssSelector("h1 .badge"), "succeeded"); // the page refreshes itself while the node works
    assertThat(browser.driver.findElements(By.cssSelector("tr[data-state=succeeded]"))).hasSize(3);
  }

  @Test
  void an_operator_retries_a_failed_task_after_fixing_its_input() throws IOException {
    String task =
        TestDatabase.value(
            "SELECT id FROM keel.task WHERE pipeline = 'events' AND partition = 'eu' ORDER BY id DESC LIMIT 1");
    browser.signIn(operator);
    browser.navigate("#/tasks/" + task);
    WebElement retry = browser.waitFor(By.xpath("//button[text()='Retry']"));
    Files.copy(dir.resolve("orders-us.csv"), dir.resolve("events-eu.csv"));

    retry.click();

    browser.waitForText(By.cssSelector("h1 .badge"), "succeeded");
    assertThat(TestDatabase.value("SELECT state FROM keel.task WHERE id = " + task))
        .isEqualTo("succeeded");
  }

  @Test
  void an_operator_replays_the_dead_letters_of_a_partition_after_fixing_its_input()
      throws IOException {
    browser.signIn(operator);
    browser.navigate("#/dead-letters?pipeline=orders&partition=eu&run=2");
    WebElement replay = browser.waitFor(By.xpath("//button[text()='Replay']"));
    Path eu = dir.resolve("orders-eu.csv");
    Files.writeString(
        eu,
        Files.readString(eu)
            .replace(",not-a-number", ",7.00")
            .replace("999002,,3.00", "999002,fixed,3.00"));

    replay.click();

    browser.waitForText(By.id("replay-state"), "succeeded");
    assertThat(browser.driver.findElement(By.id("replay-state")).getText())
        .contains("Replay of 2 records of run 2");
    assertThat(TestDatabase.rows("SELECT id, amount FROM orders WHERE id > 999000 ORDER BY id"))
        .containsExactly("999001|7.00", "999002|3.00");
  }

  @Test
  void an_operator_rolls_a_partition_back_from_the_history_tab() throws IOException {
    browser.signIn(operator);
    browser.navigate("#/pipelines/prices/history");
    browser.click(By.cssSelector("button[data-rollback='a/" + pricesRun1 + "']")); // asks first
    browser.waitForText(By.id("rollback-confirm"), "back to exactly what run " + pricesRun1);
    assertThat(prices("a")).isNotEqualTo(pricesAAfterRun1);
    browser.screenshot("pipeline-history");

    browser.driver.findElement(By.id("rollback-yes")).click();

    browser.waitForText(By.id("flash"), "Rolled partition a back to run " + pricesRun1 + ": ");
    assertThat(browser.driver.findElement(By.id("flash")).getText())
        .contains("0 rows inserted", "1 deleted"); // id 4, which run 2 added
    assertThat(prices("a")).isEqualTo(pricesAAfterRun1); // as right after run 1's publish
    assertThat(prices("b")).isEqualTo(pricesBAfterRun2); // the other partition untouched
    browser.waitForText(By.cssSelector("tr[data-partition=a]"), "rollback to run " + pricesRun1);

    // The newest load of b: nothing to do.
    browser.click(By.cssSelector("button[data-rollback='b/" + pricesRun2 + "']"));
    browser.click(By.id("rollback-yes"));
    browser.waitForText(By.id("flash"), "Nothing to do: run " + pricesRun2);
    assertThat(prices("b")).isEqualTo(pricesBAfterRun2);

    // Run 1's load is pruned by a new load while the operator is asked: refused, nothing changed.
    browser.click(By.cssSelector("button[data-rollback='a/" + pricesRun1 + "']"));
    browser.waitFor(By.id("rollback-yes"));
    loadPrices("1,a,1.75", "101,b,9.00");
    List<String> before = TestDatabase.rows("SELECT id, region, price FROM prices ORDER BY id");
    browser.driver.findElement(By.id("rollback-yes")).click();
    browser.waitForText(By.id("flash"), "Roll back refused: the load of run " + pricesRun1);
    assertThat(browser.driver.findElement(By.id("flash")).getText())
        .contains("is no longer kept", "keep_versions: 2");
    assertThat(TestDatabase.rows("SELECT id, region, price FROM prices ORDER BY id"))
        .isEqualTo(before);
  }

  @Test
  void a_viewer_sees_no_action_and_a_forged_post_with_its_session_is_403() {
    browser.signIn(viewer);
    browser.navigate("#/pipelines/orders");
    browser.waitFor(By.cssSelector("table.grid"));
    String failed =
        TestDatabase.value(
            "SELECT min(id) FROM keel.task WHERE state = 'failed'"); // the retry test takes the
    // newest

    assertThat(browser.driver.findElements(By.tagName("button")))
        .extracting(WebElement::getText)
        .containsOnly("Sign out");
    browser.navigate("#/tasks/" + failed);
    browser.waitFor(By.cssSelector("h1 .badge"));
    assertThat(browser.driver.findElements(By.xpath("//button[text()='Retry']"))).isEmpty();
    browser.navigate("#/pipelines/prices/history");
    browser.waitFor(By.cssSelector("tr[data-partition=a]"));
    assertThat(browser.driver.findElements(By.cssSelector("button[data-rollback]"))).isEmpty();
    browser.navigate("#/pipelines/orders/history"); // its sink keeps no versions
    browser.waitForText(By.id("no-history"), "keep_versions is off for orders");

    long runs = TestDatabase.count("SELECT count(*) FROM keel.run");
    long loads = TestDatabase.count("SELECT count(*) FROM keel_sink.version");
    String csrf = Session.csrf(viewer);
    assertThat(
            browser.fetchStatus(
                "POST", "/api/pipelines/orders/trigger", Map.of(Session.CSRF_HEADER, csrf)))
        .isEqualTo(403);
    assertThat(
            browser.fetchStatus(
                "POST", "/api/tasks/" + failed + "/retry", Map.of(Session.CSRF_HEADER, csrf)))
        .isEqualTo(403);
    assertThat(
            browser.fetchStatus(
                "POST", "/api/pipelines/prices/rollback", Map.of(Session.CSRF_HEADER, csrf)))
        .isEqualTo(403);
    assertThat(TestDatabase.count("SELECT count(*) FROM keel.run")).isEqualTo(runs);
    assertThat(TestDatabase.count("SELECT count(*) FROM keel_sink.version")).isEqualTo(loads);
  }

  @Test
  void an_action_without_the_csrf_token_is_refused_even_for_an_operator() {
    browser.signIn(operator);
    long runs = TestDatabase.count("SELECT count(*) FROM keel.run");
    long loads = TestDatabase.count("SELECT count(*) FROM keel_sink.version");

    assertThat(browser.fetchStatus("POST", "/api/pipelines/orders/trigger", Map.of()))
        .isEqualTo(403);
    assertThat(
            browser.fetchStatus(
                "POST", "/api/pipelines/orders/pause", Map.of(Session.CSRF_HEADER, "forged")))
        .isEqualTo(403);
    assertThat(browser.fetchStatus("POST", "/api/pipelines/prices/rollback", Map.of()))
        .isEqualTo(403);
    assertThat(TestDatabase.count("SELECT count(*) FROM keel.run")).isEqualTo(runs);
    assertThat(TestDatabase.count("SELECT count(*) FROM keel.pipeline_pause")).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM keel_sink.version")).isEqualTo(loads);
  }

  @Test
  void a_dead_letter_holding_a_script_tag_is_shown_as_text() {
    browser.signIn(viewer);
    browser.go("#/dead-letters?pipeline=orders");

    WebElement raw =
        browser.waitFor(By.xpath("//tr[@data-dead-letter]//code[contains(., 'keelPwned')]"));

    assertThat(raw.getText()).contains(SCRIPT);
    assertThat(browser.script("return window.keelPwned === undefined")).isEqualTo(true);
    assertThat(browser.driver.findElements(By.cssSelector("main script"))).isEmpty();
  }

  @Test
  void every_page_loads_without_console_errors_and_only_from_its_own_origin() {
    browser.signIn(operator);
    String run = TestDatabase.value("SELECT max(id) FROM keel.run WHERE pipeline = 'orders'");
    String task = TestDatabase.value("SELECT min(id) FROM keel.task");
    for (String page :
        List.of(
            "#/pipelines",
            "#/pipelines/orders",
            "#/pipelines/orders/versions",
            "#/pipelines/orders/history",
            "#/pipelines/prices/history",
            "#/runs/" + run,
            "#/tasks/" + task,
            "#/nodes",
            "#/dead-letters?pipeline=orders",
            "#/alerts")) {
      browser.go(page);
      browser.waitFor(By.cssSelector("#live > *, #static > *"));
      browser.waitFor(By.cssSelector("h1"));
    }

    assertThat(browser.severeLogs()).isEmpty();
    @SuppressWarnings("unchecked")
    List<String> loaded =
        (List<String>)
            browser.script("return performance.getEntriesByType('resource').map(e => e.name)");
    assertThat(loaded)
        .isNotEmpty()
        .allMatch(url -> url.startsWith(browser.origin + "/"), "from " + browser.origin);
  }
}
