-- Run numbers come from a sequence per pipeline instead of pipelines.last_run_number:
-- a counter in the row was held under the row's lock until commit, so concurrent
-- triggers of one pipeline waited for each other's disk flush. A sequence hands out
-- numbers without a lock: never reused, with a gap where a start failed.
CREATE FUNCTION reprise_run_number_sequence(pipeline uuid) RETURNS text AS $$
  SELECT 'run_numbers_' || replace(pipeline::text, '-', '')
$$ LANGUAGE sql IMMUTABLE;
--> statement-breakpoint
CREATE FUNCTION reprise_next_run_number(pipeline uuid) RETURNS integer AS $$
  SELECT nextval(reprise_run_number_sequence(pipeline)::regclass)::integer
$$ LANGUAGE sql VOLATILE;
--> statement-breakpoint
-- However a pipeline is written (the loader, a test, a seeding script), its sequence
-- is made and dropped with its row (IF NOT EXISTS: a restore may bring the sequence before the row).
CREATE FUNCTION reprise_pipeline_run_numbers() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I AS integer', reprise_run_number_sequence(NEW.id));
    RETURN NEW;
  END IF;
  EXECUTE format('DROP SEQUENCE IF EXISTS %I', reprise_run_number_sequence(OLD.id));
  RETURN OLD;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER pipelines_run_numbers
  AFTER INSERT OR DELETE ON pipelines
  FOR EACH ROW EXECUTE FUNCTION reprise_pipeline_run_numbers();
--> statement-breakpoint
-- Existing pipelines go on from their last number.
DO $$
DECLARE
  p record;
BEGIN
  FOR p IN SELECT id, last_run_number FROM pipelines LOOP
    EXECUTE format('CREATE SEQUENCE %I AS integer START WITH %s', reprise_run_number_sequence(p.id), p.last_run_number + 1);
  END LOOP;
END;
$$;
--> statement-breakpoint
ALTER TABLE "pipelines" DROP COLUMN "last_run_number";
