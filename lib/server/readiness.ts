import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';

/**
 * Whether the database answers now: a real `select 1` on every call, given a
 * short time. The runtime is opened once and cached, so "it opened at start"
 * says nothing about a database that has since gone away.
 */
export async function databaseAnswers(db: () => Promise<Db>, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = (async () => {
    await (await db()).execute(sql`select 1`);
    return true as const;
  })().catch(() => false as const);
  try {
    return await Promise.race([probe, late]);
  } finally {
    clearTimeout(timer);
  }
}
