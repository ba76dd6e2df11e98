-- The role the application runs as in production (a LOGIN role is granted membership by the
-- operator: see docs/security.md). It may read and append the audit log but never change or
-- remove a row of it: the privilege is missing, and the trigger of 0002_audit_append_only refuses everyone else.
-- Roles are per cluster, so creating it twice (another database on the same server) is fine.
DO $$
BEGIN
  CREATE ROLE soudan_app NOLOGIN;
EXCEPTION WHEN duplicate_object THEN
  NULL;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO soudan_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO soudan_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO soudan_app;
--> statement-breakpoint
-- Tables of later migrations (created by the same migrating role) get the same rights.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO soudan_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO soudan_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM soudan_app;
--> statement-breakpoint
-- Earlier versions are never rewritten; only the retention purge removes them (DELETE).
REVOKE UPDATE, TRUNCATE ON record_versions FROM soudan_app;
