-- Issue 12: regions. A node names its region (keel node --region); a pipeline lists the regions
-- that may run it, in order of preference (regions: [a, b]); its tasks are claimed only by the
-- nodes of the first listed region that has a live node. NULL: any region (and, for a node, none).
ALTER TABLE node ADD COLUMN region text;
ALTER TABLE pipeline_version ADD COLUMN regions text[];

-- The first of `regions` that has a live node (state alive, heartbeat within `live`), or NULL when
-- none has. Read by every claim (Tasks) and by keel status; judged by the database clock.
CREATE FUNCTION active_region(regions text[], live interval) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT u.r FROM unnest(regions) WITH ORDINALITY AS u(r, i)
  WHERE EXISTS (SELECT 1 FROM keel.node n
                WHERE n.region = u.r AND n.state = 'alive' AND n.heartbeat_at > now() - live)
  ORDER BY u.i LIMIT 1
$$;

CREATE INDEX node_region ON node (region) WHERE region IS NOT NULL;

-- Issue 12: a sink that failed over to a replica which never received a publish's commit. Each
-- pipeline's sink server as last seen (system identifier and timeline); the node whose check first
-- sees another one re-checks the load records of the partitions published recently and requeues
-- those whose record is gone (SinkServers, SinkFailoverCheck).
CREATE TABLE sink_server (
  pipeline text PRIMARY KEY,
  identity text NOT NULL,
  seen_at  timestamptz NOT NULL DEFAULT now()
);
