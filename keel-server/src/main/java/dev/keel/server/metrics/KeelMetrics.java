package dev.keel.server.metrics;

import dev.keel.runtime.FailureCause;
import dev.keel.runtime.PartitionResult;
import dev.keel.runtime.RuntimeEvents;
import dev.keel.runtime.TaskRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The Micrometer adapter: turns {@link RuntimeEvents} into {@code keel_}-prefixed metrics tagged by
 * pipeline (never by partition, run or task: those are unbounded). Prometheus names: {@code
 * keel_task_duration_seconds} (histogram, tags pipeline and outcome = succeeded | retry | failed),
 * {@code keel_rows_read_total}, {@code keel_rows_filtered_total}, {@code
 * keel_rows_published_total}, {@code keel_rows_rejected_total}, {@code keel_retries_total} (tag
 * cause), {@code keel_tasks_failed_total} (tag cause), {@code keel_leases_lost_total}, {@code
 * keel_fence_refusals_total}.
 */
public final class KeelMetrics implements RuntimeEvents {
  private final MeterRegistry registry;

  public KeelMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** A Prometheus registry with JVM, GC, thread, class-loader, CPU and uptime metrics bound. */
  public static PrometheusMeterRegistry prometheus() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  @Override
  public void taskSucceeded(TaskRef task, PartitionResult r) {
    duration(task.pipeline(), "succeeded").record(r.took());
    rows("read", task.pipeline()).increment(r.read());
    rows("filtered", task.pipeline()).increment(r.filtered());
    rows("published", task.pipeline()).increment(r.published());
  }

  @Override
  public void taskFailed(TaskRef task, Duration took, FailureCause cause, boolean willRetry) {
    duration(task.pipeline(), willRetry ? "retry" : "failed").record(took);
    if (!willRetry) {
      Counter.builder("keel.tasks.failed")
          .description("Tasks failed for good (permanent error or attempts spent)")
          .tag("pipeline", task.pipeline())
          .tag("cause", cause.tag())
          .register(registry)
          .increment();
    }
  }

  @Override
  public void retryScheduled(TaskRef task, FailureCause cause, Duration backoff) {
    Counter.builder("keel.retries")
        .description("Attempts that failed transiently and were put back in the queue")
        .tag("pipeline", task.pipeline())
        .tag("cause", cause.tag())
        .register(registry)
        .increment();
  }

  @Override
  public void leaseLost(TaskRef task) {
    Counter.builder("keel.leases.lost")
        .description("Tasks taken over by another claim while this node worked on them")
        .tag("pipeline", task.pipeline())
        .register(registry)
        .increment();
  }

  @Override
  public void fenceRefused(TaskRef task) {
    Counter.builder("keel.fence.refusals")
        .description("Publishes refused at the sink for a stale fencing token")
        .tag("pipeline", task.pipeline())
        .register(registry)
        .increment();
  }

  @Override
  public void rowsRejected(TaskRef task, long rows) {
    rows("rejected", task.pipeline()).increment(rows);
  }

  private Timer duration(String pipeline, String outcome) {
    return Timer.builder("keel.task.duration")
        .description("Duration of task attempts")
        .tag("pipeline", pipeline)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(10))
        .maximumExpectedValue(Duration.ofHours(2))
        .register(registry);
  }

  private Counter rows(String what, String pipeline) {
    return Counter.builder("keel.rows." + what)
        .description("Rows " + what + " by task attempts")
        .tag("pipeline", pipeline)
        .register(registry);
  }
}
