CREATE TABLE "tenant_planning" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"planned_at" timestamp with time zone NOT NULL,
	"synced_at" timestamp with time zone,
	"synced_day" date,
	"planned_by" text
);
--> statement-breakpoint
ALTER TABLE "tenant_planning" ADD CONSTRAINT "tenant_planning_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consultations_monitoring_idx" ON "consultations" USING btree ("tenant_id","person_id","occurred_on") WHERE kind = 'モニタリング' and deleted_at is null and off_month = false;