DROP INDEX "audit_created_idx";--> statement-breakpoint
DROP INDEX "audit_target_idx";--> statement-breakpoint
DROP INDEX "deployments_project_created_idx";--> statement-breakpoint
DROP INDEX "deployments_env_created_idx";--> statement-breakpoint
DROP INDEX "runs_pipeline_created_idx";--> statement-breakpoint
DROP INDEX "runs_project_created_idx";--> statement-breakpoint
DROP INDEX "runs_created_idx";--> statement-breakpoint
DROP INDEX "runs_status_created_idx";--> statement-breakpoint
CREATE INDEX "idempotency_created_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "runs_pipeline_status_created_idx" ON "runs" USING btree ("pipeline_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_pipeline_branch_created_idx" ON "runs" USING btree ("pipeline_id","git_branch","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_pipeline_actor_created_idx" ON "runs" USING btree ("pipeline_id","triggered_by","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_pipeline_trigger_created_idx" ON "runs" USING btree ("pipeline_id","trigger","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_environment_created_idx" ON "runs" USING btree ("environment","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_active_created_idx" ON "runs" USING btree ("created_at","id") WHERE "runs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "audit_created_idx" ON "audit_entries" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "audit_target_idx" ON "audit_entries" USING btree ("target_type","target_id","created_at");--> statement-breakpoint
CREATE INDEX "deployments_project_created_idx" ON "deployments" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "deployments_env_created_idx" ON "deployments" USING btree ("environment_id","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_pipeline_created_idx" ON "runs" USING btree ("pipeline_id","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_project_created_idx" ON "runs" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_created_idx" ON "runs" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "runs_status_created_idx" ON "runs" USING btree ("status","created_at","id");