-- A finished attempt is history: nothing of its record may change, whoever
-- writes to the database. Enforced here, not only in code.
CREATE FUNCTION reprise_attempt_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD.status IN ('succeeded', 'failed', 'cancelled', 'lost') THEN
    RAISE EXCEPTION 'attempt % is finished (%) and cannot be changed', OLD.id, OLD.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER attempts_immutable_when_finished
  BEFORE UPDATE OR DELETE ON attempts
  FOR EACH ROW EXECUTE FUNCTION reprise_attempt_immutable();
