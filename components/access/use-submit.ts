'use client';

import { useRouter } from 'next/navigation';
import { useTransition } from 'react';
import { toast } from 'sonner';
import type { ActionResult } from '@/lib/server/action';

/**
 * Sends a server action and says how it went: a success toast and a fresh
 * server render, or the server's refusal in an error toast (and back to the
 * caller, which may show it beside the field too).
 */
export function useSubmit() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const submit = <T>(send: () => Promise<ActionResult<T>>, success: (data: T) => string, after?: (result: ActionResult<T>) => void) =>
    startTransition(async () => {
      const result = await send();
      if (result.ok) {
        toast.success(success(result.data));
        router.refresh();
      } else {
        toast.error(result.error.message, { description: problems(result.error.details) });
      }
      after?.(result);
    });
  return { pending, submit };
}

/** Field problems as one line ("/password must be at least 8 characters"). */
export function problems(details: unknown): string | undefined {
  if (!Array.isArray(details) || details.length === 0) return undefined;
  return (details as { path?: string; message?: string }[]).map((d) => `${d.path?.replace(/^\//, '') ?? ''} ${d.message ?? ''}`.trim()).join('; ');
}

/** The message for one field from a refusal's details, if any. */
export function fieldProblem(details: unknown, field: string): string | undefined {
  if (!Array.isArray(details)) return undefined;
  return (details as { path?: string; message?: string }[]).find((d) => d.path === `/${field}`)?.message;
}
