import { NextResponse } from 'next/server';
import { getRuntime } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';

/** Readiness: 200 once the database is open and migrated. Reveals nothing else. */
export async function GET() {
  try {
    await getRuntime();
    return NextResponse.json({ ok: true });
  } catch {
    return NextResponse.json({ ok: false }, { status: 503 });
  }
}
