-- Alerts are written by the database in the same transaction as the state change that causes
-- them, so no crash between "task failed" and "alert queued" can lose one. One trigger per
-- incident key until it is resolved; a resolve only for a key whose last action was a trigger.
-- Keys: keel:task_failed:<pipeline>:<partition> and keel:run_failed:<pipeline>.
CREATE FUNCTION alert_enqueue(k text, act text, knd text, pipe text, summ text, det jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  last_action text;
BEGIN
  -- Serialise enqueues of one key so two concurrent state changes cannot both add a trigger.
  PERFORM pg_advisory_xact_lock(hashtext('keel.alert:' || k));
  SELECT action INTO last_action FROM keel.alert_outbox WHERE dedup_key = k ORDER BY id DESC LIMIT 1;
  IF (act = 'trigger' AND last_action IS DISTINCT FROM 'trigger') OR (act = 'resolve' AND last_action = 'trigger') THEN
    INSERT INTO keel.alert_outbox (dedup_key, action, kind, pipeline, summary, details) VALUES (k, act, knd, pipe, summ, det);
  END IF;
END $$;

CREATE FUNCTION alert_on_task() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  k text := 'keel:task_failed:' || NEW.pipeline || ':' || NEW.partition;
BEGIN
  IF NEW.state = 'failed' AND OLD.state IS DISTINCT FROM 'failed' THEN
    PERFORM keel.alert_enqueue(k, 'trigger', 'task_failed', NEW.pipeline,
      'keel: ' || NEW.pipeline || '/' || NEW.partition || ' failed after ' || NEW.attempt || ' attempt(s): '
        || left(coalesce(NEW.error, 'no error recorded'), 500),
      jsonb_build_object('run_id', NEW.run_id, 'task_id', NEW.id, 'partition', NEW.partition, 'attempt', NEW.attempt,
        'error', left(NEW.error, 2000)));
  ELSIF NEW.state = 'succeeded' AND OLD.state IS DISTINCT FROM 'succeeded' THEN
    PERFORM keel.alert_enqueue(k, 'resolve', 'task_failed', NEW.pipeline,
      'keel: ' || NEW.pipeline || '/' || NEW.partition || ' succeeded again',
      jsonb_build_object('run_id', NEW.run_id, 'task_id', NEW.id, 'partition', NEW.partition));
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION alert_on_run() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  k text := 'keel:run_failed:' || NEW.pipeline;
BEGIN
  IF NEW.state = 'failed' AND OLD.state IS DISTINCT FROM 'failed' THEN
    PERFORM keel.alert_enqueue(k, 'trigger', 'run_failed', NEW.pipeline,
      'keel: run ' || NEW.id || ' of ' || NEW.pipeline || ' failed',
      jsonb_build_object('run_id', NEW.id, 'trigger', NEW.trigger,
        'failed_partitions', (SELECT jsonb_agg(partition ORDER BY partition) FROM keel.task WHERE run_id = NEW.id AND state = 'failed')));
  ELSIF NEW.state = 'succeeded' AND OLD.state IS DISTINCT FROM 'succeeded' THEN
    PERFORM keel.alert_enqueue(k, 'resolve', 'run_failed', NEW.pipeline,
      'keel: run ' || NEW.id || ' of ' || NEW.pipeline || ' succeeded', jsonb_build_object('run_id', NEW.id));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER task_alerts AFTER UPDATE OF state ON task FOR EACH ROW EXECUTE FUNCTION alert_on_task();
CREATE TRIGGER run_alerts AFTER UPDATE OF state ON run FOR EACH ROW EXECUTE FUNCTION alert_on_run();
