import { operations } from '@/lib/operations';
import { route } from '@/lib/operations/rest';

export const dynamic = 'force-dynamic';

export const PUT = route(operations.setMemberOp);
export const DELETE = route(operations.removeMemberOp);
