-- Issue 11: an outage every node shared must not expire the leases of live nodes. One row records
-- when the database last saw the cluster coordinate (a node's heartbeat or reaper tick); a gap
-- longer than an outage threshold is time during which the database was down or unreachable for
-- every node, and the leases of running tasks are moved on by it (SharedOutage).
CREATE TABLE coordination_clock (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seen_at timestamptz NOT NULL DEFAULT now(),
  outage_ended_at timestamptz,
  outage_seconds double precision
);
INSERT INTO coordination_clock DEFAULT VALUES;
