-- The reaper requeues a task whose lease expired after the pipeline's retry backoff; it applied
-- full jitter always, even to pipelines with `retry: { jitter: none }`. Each task now carries its
-- pipeline's jitter mode, like its backoff and attempts.
ALTER TABLE task ADD COLUMN jitter boolean NOT NULL DEFAULT true;
