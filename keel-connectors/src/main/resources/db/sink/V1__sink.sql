-- Tables keel keeps in every sink database (schema keel_sink), owned by dev.keel.connectors.postgres.
-- fence: the newest claim's token per target partition; a publish with an older token is refused.
CREATE TABLE fence (
  target    text   NOT NULL,
  partition text   NOT NULL,
  token     bigint NOT NULL,
  PRIMARY KEY (target, partition)
);
-- load: one row per published run partition, written in the publish transaction, so that a retry
-- after an in-doubt commit finds it and does not publish (or append) again.
CREATE TABLE load (
  load_id      text PRIMARY KEY,
  target       text        NOT NULL,
  fence        bigint      NOT NULL,
  rows         bigint      NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now()
);
