import { operations } from '@/lib/operations';
import { route } from '@/lib/operations/rest';

export const dynamic = 'force-dynamic';

export const POST = route(operations.holdEnvironmentOp);
