ALTER TABLE "attempts" ADD COLUMN "pipeline_version_id" uuid;--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_pipeline_version_id_pipeline_versions_id_fk" FOREIGN KEY ("pipeline_version_id") REFERENCES "public"."pipeline_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Attempts not yet finished run their run's version. Finished attempts are
-- immutable (0001) and keep null: until a retry with the latest definition
-- existed, every attempt ran its run's version.
UPDATE attempts a SET pipeline_version_id = r.pipeline_version_id
FROM runs r WHERE r.id = a.run_id AND a.status IN ('queued', 'running');
