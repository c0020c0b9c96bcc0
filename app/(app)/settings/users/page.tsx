import { Forbidden } from '@/components/access/forbidden';
import { UsersAdmin } from '@/components/access/users-admin';
import { PageHeader } from '@/components/ui/form';
import { requirePageActor } from '@/lib/auth/identity';
import { operations } from '@/lib/operations';
import { readOperation } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Users' };

export default async function UsersPage() {
  const actor = await requirePageActor();
  const read = await readOperation(operations.listUsersOp, {});
  if (!read.ok) return <Forbidden title="Users" reason="Only instance admins manage accounts." />;
  return (
    <div className="space-y-6">
      <PageHeader title="Users">
        Everyone who can sign in. Deactivating someone ends their sessions and tokens at their next request; roles in a
        project are given on the project’s page.
      </PageHeader>
      <UsersAdmin users={read.data.items} selfId={actor.userId} now={new Date().toISOString()} />
    </div>
  );
}
