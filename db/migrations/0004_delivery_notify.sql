-- Wakes the delivery relay of every scheduler instance when messages enter the outbox, so a
-- message due now leaves within milliseconds instead of waiting for the next poll. One
-- notification per statement: a digest run inserting 500 rows sends one, not 500.
CREATE OR REPLACE FUNCTION soudan_deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('soudan_deliveries', '');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries FOR EACH STATEMENT EXECUTE FUNCTION soudan_deliveries_notify();
