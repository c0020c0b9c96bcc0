import type { Db } from '@/db/client';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { currentRateLimits, hit, resetHits, type HitResult, type RateLimits } from '../rate-limit';
import { authenticate } from './users';

export type SignInResult =
  | { ok: true; actor: Actor }
  | { ok: false; reason: 'credentials' }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

const accountKey = (email: string) => `signin:account:${email}`;
const addressKey = (address: string) => `signin:address:${address}`;

/**
 * A password sign-in, limited per client address and per account (the
 * lower-cased email, whether or not it exists). The limits are counted before
 * the password is looked at: over either one the attempt is refused without
 * hashing it — the hash is what makes guessing expensive, and an attacker must
 * not be able to make the server pay for it at will.
 *
 * The address is counted first; an attempt its address may not make does not
 * count against the account it named (it never reached it), which also keeps
 * the table from growing by one row per guessed email of a blocked address.
 * A successful sign-in clears its account's count (the owner is back) but not
 * its address's: one valid account must not unlock spraying others from there.
 */
export async function signInWithPassword(
  db: Db,
  input: { email: string; password: string; address: string | null },
  limits: RateLimits = currentRateLimits(),
): Promise<SignInResult> {
  const email = input.email.slice(0, 320).trim().toLowerCase();
  const refuse = async (limit: 'address' | 'account', counted: HitResult, max: number): Promise<SignInResult> => {
    // Only the first refusal of a window is audited: entries are never
    // deleted, and a client hammering the form must not grow them at will.
    if (counted.hits === max + 1) {
      await recordAudit(db, null, {
        action: 'auth.sign_in_failed',
        targetType: 'user',
        targetId: email,
        reason: 'rate_limited',
        details: { limit, retry_after_seconds: counted.retryAfterSeconds },
        address: input.address,
      });
    }
    return { ok: false, reason: 'rate_limited', retryAfterSeconds: counted.retryAfterSeconds };
  };

  if (input.address && limits.signInAddress) {
    const counted = await hit(db, addressKey(input.address), limits.signInAddress);
    if (!counted.allowed) return refuse('address', counted, limits.signInAddress.max);
  }
  if (limits.signInAccount) {
    const counted = await hit(db, accountKey(email), limits.signInAccount);
    if (!counted.allowed) return refuse('account', counted, limits.signInAccount.max);
  }

  const actor = await authenticate(db, email, input.password);
  if (!actor) {
    // Who tried which account from where; never the password.
    await recordAudit(db, null, {
      action: 'auth.sign_in_failed',
      targetType: 'user',
      targetId: email,
      address: input.address,
    });
    return { ok: false, reason: 'credentials' };
  }
  if (limits.signInAccount) await resetHits(db, accountKey(email));
  return { ok: true, actor };
}
