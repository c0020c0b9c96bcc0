-- Fills the engine's new counters for runs that existed before them, so an
-- upgrade in the middle of a run carries on. Finished attempts are immutable
-- (0001): only queued and running ones are touched.
UPDATE work_items w SET dependents = coalesce(
  (SELECT array_agg(d.key ORDER BY d.position) FROM work_items d WHERE d.run_id = w.run_id AND w.key = ANY (d.needs)),
  '{}'::text[]);
--> statement-breakpoint
UPDATE work_items w SET unmet_needs = (
  SELECT count(*) FROM work_items n WHERE n.run_id = w.run_id AND n.key = ANY (w.needs) AND n.status <> 'succeeded');
--> statement-breakpoint
UPDATE work_items w SET environment = s.step->>'environment'
FROM runs r
JOIN pipeline_versions v ON v.id = r.pipeline_version_id
CROSS JOIN LATERAL jsonb_array_elements(v.definition->'steps') AS s(step)
WHERE r.id = w.run_id AND s.step->>'key' = w.key AND s.step->>'environment' IS NOT NULL;
--> statement-breakpoint
UPDATE work_items w SET concurrency_key = r.project_id || ':environment:' || w.environment, concurrency_limit = 1
FROM runs r WHERE r.id = w.run_id AND w.environment IS NOT NULL;
--> statement-breakpoint
INSERT INTO concurrency_groups (key, project_id, name, "limit", running)
SELECT DISTINCT w.concurrency_key, r.project_id, 'environment:' || w.environment, 1, 0
FROM work_items w JOIN runs r ON r.id = w.run_id WHERE w.concurrency_key IS NOT NULL
ON CONFLICT DO NOTHING;
--> statement-breakpoint
UPDATE attempts a SET concurrency_key = w.concurrency_key, concurrency_limit = w.concurrency_limit
FROM work_items w WHERE w.id = a.work_item_id AND w.concurrency_key IS NOT NULL AND a.status IN ('queued', 'running');
--> statement-breakpoint
UPDATE concurrency_groups g SET running = (
  SELECT count(*) FROM attempts a WHERE a.concurrency_key = g.key AND a.status = 'running');
--> statement-breakpoint
WITH RECURSIVE chain AS (
  SELECT a.id AS head, a.retry_of AS prev, 1 AS length FROM attempts a
  WHERE a.status IN ('queued', 'running') AND a.kind = 'auto_retry'
  UNION ALL
  SELECT c.head, p.retry_of, c.length + 1 FROM chain c JOIN attempts p ON p.id = c.prev WHERE p.kind = 'auto_retry'
)
UPDATE attempts a SET auto_chain = c.length + 1
FROM (SELECT head, max(length) AS length FROM chain GROUP BY head) c WHERE a.id = c.head;
--> statement-breakpoint
UPDATE runs r SET
  unfinished_items = c.unfinished,
  failed_items = c.failed,
  cancelled_items = c.cancelled
FROM (
  SELECT run_id,
    count(*) FILTER (WHERE status IN ('pending', 'queued', 'running')) AS unfinished,
    count(*) FILTER (WHERE status IN ('failed', 'skipped')) AS failed,
    count(*) FILTER (WHERE status = 'cancelled') AS cancelled
  FROM work_items GROUP BY run_id
) c WHERE c.run_id = r.id;
