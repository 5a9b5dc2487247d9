-- The task trigger ran on every state change, claims included, and every success took the
-- incident's advisory lock. Now it runs only on the end states, and a success first looks for any
-- alert of its key (an index probe) and locks only when there is one: a partition that never
-- failed has nothing to resolve. A failure committed after that look is a later event; its
-- trigger stands until the partition's next success.
DROP TRIGGER task_alerts ON task;

CREATE OR REPLACE FUNCTION alert_on_task() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  k text := 'keel:task_failed:' || NEW.pipeline || ':' || NEW.partition;
BEGIN
  IF NEW.state = 'failed' THEN
    PERFORM keel.alert_enqueue(k, 'trigger', 'task_failed', NEW.pipeline,
      'keel: ' || NEW.pipeline || '/' || NEW.partition || ' failed after ' || NEW.attempt || ' attempt(s): '
        || left(coalesce(NEW.error, 'no error recorded'), 500),
      jsonb_build_object('run_id', NEW.run_id, 'task_id', NEW.id, 'partition', NEW.partition, 'attempt', NEW.attempt,
        'error', left(NEW.error, 2000)));
  ELSIF NEW.state = 'succeeded' AND EXISTS (SELECT 1 FROM keel.alert_outbox WHERE dedup_key = k) THEN
    PERFORM keel.alert_enqueue(k, 'resolve', 'task_failed', NEW.pipeline,
      'keel: ' || NEW.pipeline || '/' || NEW.partition || ' succeeded again',
      jsonb_build_object('run_id', NEW.run_id, 'task_id', NEW.id, 'partition', NEW.partition));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER task_alerts AFTER UPDATE OF state ON task FOR EACH ROW
  WHEN (NEW.state IN ('failed', 'succeeded') AND OLD.state IS DISTINCT FROM NEW.state)
  EXECUTE FUNCTION alert_on_task();
