import { NextResponse } from 'next/server';
import { databaseAnswers } from '@/lib/server/readiness';
import { getDb } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';

/** Readiness: 200 while the database answers, 503 when it does not. Reveals nothing else. */
export async function GET() {
  const ok = await databaseAnswers(getDb);
  return NextResponse.json({ ok }, { status: ok ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
}
