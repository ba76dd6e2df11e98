CREATE TABLE "planning_jobs" (
	"tenant_id" uuid NOT NULL,
	"job" text NOT NULL,
	"done_at" timestamp with time zone,
	"done_by" text,
	"result" jsonb,
	CONSTRAINT "planning_jobs_tenant_id_job_pk" PRIMARY KEY("tenant_id","job")
);
--> statement-breakpoint
ALTER TABLE "service_plans" ALTER COLUMN "count_from" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "service_plans" ALTER COLUMN "count_from" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "planning_jobs" ADD CONSTRAINT "planning_jobs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- The column default was 'same_month' and there was no tenant setting: a stored 'same_month' cannot
-- be told from "not set", so it becomes "follow the tenant" (whose default is the same, so no month
-- moves here). A stored 'next_month' was chosen and stays the decision's own.
UPDATE "service_plans" SET "count_from" = NULL WHERE "count_from" = 'same_month';--> statement-breakpoint
-- Every tenant of the time counted monitoring months forward from the first month: its plans are
-- recomputed once under the MHLW rule (src/scheduler/monitoring-recompute.ts). Tenants created
-- later never counted the old way and get no row.
INSERT INTO "planning_jobs" ("tenant_id", "job") SELECT "id", 'monitoring-months-2012qa' FROM "tenants";
