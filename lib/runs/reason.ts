import { safeText } from '../safe-text';

/** The reason an operator gave, as stored: trimmed, NUL made visible, null when empty. */
export function reasonOf(raw: string | null | undefined): string | null {
  return raw?.trim() ? safeText(raw.trim()) : null;
}
