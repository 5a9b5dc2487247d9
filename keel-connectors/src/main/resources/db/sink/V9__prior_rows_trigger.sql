-- keep_versions, upsert (owned by dev.keel.connectors.postgres.RowImages): the prior rows of the rows an
-- upsert updates are taken from the UPDATE's own transition table instead of joining the written keys
-- with the target again (about 0.9 s less per million changed rows here). keel puts a statement-level
-- trigger on a versioned target (a plain table) when it makes or finds the target's images table and
-- the trigger is missing:
--
--   CREATE TRIGGER keel_prior_rows AFTER UPDATE ON <target>
--     REFERENCING OLD TABLE AS keel_prior FOR EACH STATEMENT EXECUTE FUNCTION keel_sink.record_prior_rows()
--
-- It records nothing unless the transaction set keel.prior_rows to '<target oid> <version> <chunk>
-- <images table>' (set_config(..., true), only around a versioned upsert's statements), and then only
-- the rows of that target's own statement (not those of an UPDATE nested in another trigger): every
-- other UPDATE of the table, keel's or anyone's, records nothing (PostgreSQL still collects its
-- transition table; DROP TRIGGER keel_prior_rows when no pipeline keeps versions of the table any more).
-- The keys of the rows the upsert inserts come from the upsert's RETURNING. A value that does not name
-- one of keel's images tables is refused (the function runs as whoever updates the table).
CREATE FUNCTION record_prior_rows() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  recording text[] := string_to_array(coalesce(current_setting('keel.prior_rows', true), ''), ' ');
BEGIN
  IF cardinality(recording) IS DISTINCT FROM 4 OR recording[1] <> TG_RELID::text
     OR pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF recording[4] !~ '^keel_sink\."row_image_[0-9]+(_[0-9]+)?"$' THEN
    RAISE EXCEPTION 'keel.prior_rows names % , not one of keel''s images tables', recording[4];
  END IF;
  EXECUTE format('INSERT INTO %s SELECT $1, $2, ''u'', p.* FROM keel_prior p', recording[4])
    USING recording[2]::bigint, recording[3]::int;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION record_prior_rows() IS
  'keep_versions: the trigger keel_prior_rows of a versioned target records the prior rows of a keel upsert''s updates (see keel.prior_rows)';
