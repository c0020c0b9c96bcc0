import type { pipelineLoadErrors } from '@/db/schema';

export type LoadErrorRow = typeof pipelineLoadErrors.$inferSelect;
