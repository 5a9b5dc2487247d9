-- Issue 12: a run that failed over to region b stays there until it ends; the next run goes back
-- to a. A claim of a regional pipeline's tasks records its node's region on the run (run.region);
-- claims then prefer that region while it has a live node, and fall back to the first listed
-- region with one (active_region) when it has none.
ALTER TABLE run ADD COLUMN region text;

-- The region whose nodes claim a run's tasks: the one its tasks were last claimed in, while it is
-- listed and has a live node; otherwise the first listed region that has one.
CREATE FUNCTION run_region(pinned text, regions text[], live interval) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN pinned = ANY (regions) AND EXISTS (
      SELECT 1 FROM keel.node n
      WHERE n.region = pinned AND n.state = 'alive' AND n.heartbeat_at > now() - live)
    THEN pinned
    ELSE keel.active_region(regions, live) END
$$;
