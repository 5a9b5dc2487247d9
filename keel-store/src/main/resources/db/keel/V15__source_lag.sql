-- source_lag: for a source that continues across runs (Kafka), how many records were behind the
-- position of each pipeline partition when its last task ended (the topic's end offset then minus
-- the stored position). Read by keel status, the keel_source_lag_records metric and the
-- continuous scheduler. Owned by dev.keel.store.SourceLags.
CREATE TABLE source_lag (
  pipeline    text        NOT NULL,
  partition   text        NOT NULL,
  lag         bigint      NOT NULL,
  measured_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline, partition)
);
