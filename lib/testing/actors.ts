import type { Database } from '@/db/client';
import { createTestUser } from './test-db';

export const actorFor = (database: Database, role: 'admin' | 'member' = 'member') => createTestUser(database, role);
