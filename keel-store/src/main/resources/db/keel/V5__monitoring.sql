-- Monitoring and operations (issue 5), owned by keel-server: paused pipelines, API tokens, and the
-- alert outbox. Numbered V3 so the cluster work can take V2.

-- A paused pipeline's queued tasks are not claimed; running ones finish.
CREATE TABLE pipeline_pause (
  pipeline  text PRIMARY KEY,
  paused_at timestamptz NOT NULL DEFAULT now(),
  paused_by text
);

-- API tokens: only the SHA-256 of the token is kept; the token itself is shown once.
CREATE TABLE api_token (
  id         bigserial PRIMARY KEY,
  hash       text        NOT NULL UNIQUE,
  role       text        NOT NULL CHECK (role IN ('viewer', 'operator')),
  note       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Alerts to deliver, written in the same transaction as the state change that caused them and
-- sent by any live node (claimed with FOR UPDATE SKIP LOCKED). delivered_to lists the receivers
-- already reached, so a retry after a partial failure does not page anyone twice.
CREATE TABLE alert_outbox (
  id              bigserial PRIMARY KEY,
  dedup_key       text        NOT NULL,
  action          text        NOT NULL CHECK (action IN ('trigger', 'resolve')),
  kind            text        NOT NULL,
  pipeline        text,
  summary         text        NOT NULL,
  details         jsonb       NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        int         NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  delivered_to    text[]      NOT NULL DEFAULT '{}',
  last_error      text
);
CREATE INDEX alert_outbox_pending ON alert_outbox (next_attempt_at, id) WHERE delivered_at IS NULL;

-- The last action sent per incident, so a flapping condition pages once and resolves once.
CREATE TABLE alert_incident (
  dedup_key  text PRIMARY KEY,
  open       boolean     NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
