-- source_position: for a source that continues across runs (a Kafka topic), how far each target
-- partition has read `stream` (kafka:<topic>), written in the same transaction as the rows it
-- covers, so a run starts exactly after what the last publish made visible. No consumer-group
-- commit is trusted for this.
CREATE TABLE source_position (
  target     text        NOT NULL,
  partition  text        NOT NULL,
  stream     text        NOT NULL,
  position   text        NOT NULL,
  load_id    text        NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target, partition, stream)
);
