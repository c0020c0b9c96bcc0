import { z } from 'zod';

/** Request bodies of the API, parsed at the door. */

const reason = z.string().max(2000).nullish();

export const triggerBody = z.object({
  params: z.record(z.string(), z.unknown()).optional(),
  commit: z.string().max(200).nullish(),
  branch: z.string().max(200).nullish(),
  message: z.string().max(5000).nullish(),
});

export const retryBody = z.object({
  reason,
  /** The run attempt the caller previewed; a retry of a run that moved on since is refused (409). */
  expected_attempt: z.number().int().positive().optional(),
});

export const replayBody = z.object({
  inputs: z.record(z.string(), z.unknown()).optional(),
  reason,
});

export const cancelBody = z.object({ reason });

export const bulkRetryBody = z.object({
  run_ids: z.array(z.string().max(100)).min(1),
  reason,
});
