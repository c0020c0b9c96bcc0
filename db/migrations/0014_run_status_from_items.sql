CREATE INDEX "work_items_unfinished_idx" ON "work_items" USING btree ("run_id") WHERE "work_items"."status" in ('pending', 'queued', 'running');--> statement-breakpoint
ALTER TABLE "runs" DROP COLUMN "unfinished_items";--> statement-breakpoint
ALTER TABLE "runs" DROP COLUMN "failed_items";--> statement-breakpoint
ALTER TABLE "runs" DROP COLUMN "cancelled_items";