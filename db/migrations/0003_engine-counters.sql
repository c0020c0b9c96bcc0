CREATE TABLE "concurrency_groups" (
	"key" text PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"limit" integer NOT NULL,
	"running" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "inputs_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "auto_chain" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "concurrency_key" text;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "concurrency_limit" integer;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "unfinished_items" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "failed_items" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "cancelled_items" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "work_items" ADD COLUMN "dependents" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "work_items" ADD COLUMN "unmet_needs" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "work_items" ADD COLUMN "environment" text;--> statement-breakpoint
ALTER TABLE "work_items" ADD COLUMN "concurrency_key" text;--> statement-breakpoint
ALTER TABLE "work_items" ADD COLUMN "concurrency_limit" integer;--> statement-breakpoint
ALTER TABLE "concurrency_groups" ADD CONSTRAINT "concurrency_groups_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attempts_group_queue_idx" ON "attempts" USING btree ("concurrency_key","available_at","created_at") WHERE "attempts"."status" = 'queued' and "attempts"."concurrency_key" is not null;--> statement-breakpoint
CREATE INDEX "attempts_group_running_idx" ON "attempts" USING btree ("concurrency_key") WHERE "attempts"."status" = 'running' and "attempts"."concurrency_key" is not null;