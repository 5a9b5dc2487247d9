-- keep_versions, upsert (owned by dev.keel.connectors.postgres.RowImages): the prior rows of the rows an
-- upsert updates are taken from the UPDATE's own transition table instead of joining the written keys
-- with the target again (about 0.9 s less per million changed rows here). keel puts a statement-level
-- trigger on a versioned target, once, when it makes or finds the target's images table:
--
--   CREATE TRIGGER keel_prior_rows AFTER UPDATE ON <target>
--     REFERENCING OLD TABLE AS keel_prior FOR EACH STATEMENT EXECUTE FUNCTION keel_sink.record_prior_rows()
--
-- It records nothing unless the transaction set keel.prior_rows to '<target oid> <version> <chunk>
-- <images table>' (set_config(..., true), only around a versioned upsert's statements), and then only
-- for that target: every other UPDATE of the table, keel's or anyone's, records nothing (PostgreSQL
-- still collects its transition table; DROP TRIGGER keel_prior_rows when no pipeline keeps versions of
-- the table any more). The keys of the rows the upsert inserts come from the upsert's RETURNING.
CREATE FUNCTION record_prior_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  recording text := current_setting('keel.prior_rows', true);
BEGIN
  IF coalesce(recording, '') = '' OR split_part(recording, ' ', 1) <> TG_RELID::text THEN
    RETURN NULL;
  END IF;
  EXECUTE format('INSERT INTO %s SELECT $1, $2, ''u'', p.* FROM keel_prior p', split_part(recording, ' ', 4))
    USING split_part(recording, ' ', 2)::bigint, split_part(recording, ' ', 3)::int;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION record_prior_rows() IS
  'keep_versions: the trigger keel_prior_rows of a versioned target records the prior rows of a keel upsert''s updates (see keel.prior_rows)';
