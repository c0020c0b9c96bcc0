import { VIEWS } from '@/lib/views/registry';
import { route } from '@/lib/operations/rest';

export const dynamic = 'force-dynamic';

export const GET = route(VIEWS['pipeline-durations']);
