ALTER TABLE "attempts" ADD COLUMN "parked_for" jsonb;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "reused_from" uuid;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "redeploy_of" uuid;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "rollback_to" uuid;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "hold" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "deploy_action" jsonb;--> statement-breakpoint
ALTER TABLE "work_items" ADD COLUMN "approval_role" text;--> statement-breakpoint
ALTER TABLE "work_items" ADD COLUMN "passes_hold" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "attempts_parked_idx" ON "attempts" USING btree ("run_id") WHERE "attempts"."status" = 'queued' and "attempts"."parked_for" is not null;--> statement-breakpoint
CREATE INDEX "deployments_undeployed_idx" ON "deployments" USING btree ("run_id") WHERE "deployments"."attempt_id" is null;