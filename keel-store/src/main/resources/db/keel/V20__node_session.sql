-- Issue 17: a crashed node is found the moment its process dies, not a lease later. Each node
-- holds a session-level advisory lock (class 1801807212, 'keel', and its session_key) on a
-- connection of its own for its lifetime; when the process dies the kernel closes the socket,
-- PostgreSQL ends the session and the lock goes. The reaper requeues the tasks of a node whose
-- lock is gone at once. session_server_start records the server the lock was taken on
-- (pg_postmaster_start_time()), so a restart or a failover, which ends every session, is judged by
-- the leases instead (SharedOutage).
CREATE SEQUENCE node_session_key AS integer CYCLE;
ALTER TABLE node ADD COLUMN session_key integer, ADD COLUMN session_server_start timestamptz;
