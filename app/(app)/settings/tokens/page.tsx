import { TokensAdmin } from '@/components/access/tokens-admin';
import { PageHeader } from '@/components/ui/form';
import { requirePageActor } from '@/lib/auth/identity';
import { operations } from '@/lib/operations';
import { readOperation } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'API tokens' };

export default async function TokensPage() {
  const actor = await requirePageActor();
  const [tokens, projects] = await Promise.all([readOperation(operations.listTokensOp, {}), readOperation(operations.listProjectsOp, {})]);
  return (
    <div className="space-y-6">
      <PageHeader title="API tokens">
        Your tokens, and those of the projects you administer. Use one as <code className="font-mono">Authorization: Bearer &lt;token&gt;</code>{' '}
        from scripts, CI or the CLI.
      </PageHeader>
      <TokensAdmin
        tokens={tokens.ok ? tokens.data.items : []}
        projects={projects.ok ? projects.data.items.map((p) => ({ key: p.key, title: p.title, role: p.your_role })) : []}
        selfId={actor.userId}
        now={new Date().toISOString()}
      />
    </div>
  );
}
