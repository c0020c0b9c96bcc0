import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projects } from '@/db/schema';
import type { Actor } from '../actor';
import { addMemberByEmail, listMembers, setMember } from '../auth/members';
import { findActor } from '../auth/users';
import { DomainError } from '../errors';
import { createTestDatabase, createTestUser, loadTestPipelines } from '../testing/test-db';
import { declaredEnvironments, getProjectSummary, listReadableProjects } from './queries';

const pipeline = (project: string, environment?: string) => `
name: p-${project}
project: ${project}
steps:
  - key: ship
    ${environment ? `environment: ${environment}` : ''}
    run: ["true"]
`;

describe('projects as the access pages read them; members added by email', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: Actor;
  const ids = {} as Record<'a' | 'b', string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = await createTestUser(database, 'admin');
    await loadTestPipelines(database, { 'a.yaml': pipeline('a', 'production'), 'b.yaml': pipeline('b') });
    for (const key of ['a', 'b'] as const) {
      const [p] = await database.db.select().from(projects).where(eq(projects.key, key));
      ids[key] = p.id;
    }
  }, 180_000);
  afterAll(async () => {
    await database.drop();
  });

  it('a member lists only the projects it belongs to, with its role; an instance admin lists all', async () => {
    const someone = await createTestUser(database, 'member');
    await setMember(database.db, admin, ids.a, someone.userId, 'operator');
    const member = (await findActor(database.db, someone.userId))!;
    expect((await listReadableProjects(database.db, member)).map((p) => [p.key, p.role, p.members, p.pipelines])).toEqual([['a', 'operator', 1, 1]]);
    expect((await listReadableProjects(database.db, admin)).map((p) => [p.key, p.role])).toEqual(
      expect.arrayContaining([
        ['a', 'admin'],
        ['b', 'admin'],
      ]),
    );
    expect((await getProjectSummary(database.db, member, ids.a)).role).toBe('operator');
  });

  it('names the environments a project deploys to before anything has deployed there', async () => {
    expect(await declaredEnvironments(database.db, ids.a)).toEqual(['production']);
    expect(await declaredEnvironments(database.db, ids.b)).toEqual([]);
  });

  it('adds by email (any case); an unknown email is not found and an existing member is a conflict, its role untouched', async () => {
    const newcomer = await createTestUser(database, 'member');
    const added = await addMemberByEmail(database.db, admin, ids.b, newcomer.email.toUpperCase(), 'viewer', 'joins');
    expect(added).toMatchObject({ userId: newcomer.userId, role: 'viewer' });
    await expect(addMemberByEmail(database.db, admin, ids.b, 'nobody@example.test', 'viewer')).rejects.toMatchObject({ code: 'not_found' });
    const again = await addMemberByEmail(database.db, admin, ids.b, newcomer.email, 'admin').catch((e: unknown) => e);
    expect(again).toBeInstanceOf(DomainError);
    expect((again as DomainError).status).toBe(409);
    expect((await listMembers(database.db, ids.b)).find((m) => m.userId === newcomer.userId)?.role).toBe('viewer');
  });
});
