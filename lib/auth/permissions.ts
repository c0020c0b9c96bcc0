import type { Actor } from '../actor';
import { DomainError } from '../errors';

export type Action =
  | 'pipeline.read'
  | 'run.read'
  | 'run.trigger'
  | 'run.retry'
  | 'run.replay'
  | 'run.cancel'
  | 'admin.tokens';

/**
 * The one place that decides whether an actor may do something in a project.
 * Today every signed-in user may operate every project and only admins manage
 * tokens; per-project roles slot in here without touching any caller.
 */
export function can(actor: Actor, action: Action, _scope: { projectId?: string } = {}): boolean {
  if (action === 'admin.tokens') return actor.role === 'admin';
  return true;
}

export function assertCan(actor: Actor, action: Action, scope: { projectId?: string } = {}) {
  if (!can(actor, action, scope)) {
    throw new DomainError('forbidden', `You may not ${action.replace('.', ' ')} here.`);
  }
}
