-- Issue 17: a node's session that ends is believed to be its death only when the node has not
-- taken its lock again within a short grace (NodeSession.GRACE). The first reaper tick that finds
-- the lock gone records when; the node's re-take clears it. A connection reset by the network
-- (a firewall or proxy cutting an idle connection, a middlebox restarting) while the process lives
-- then no longer costs the node its tasks.
ALTER TABLE node ADD COLUMN session_lost_at timestamptz;
