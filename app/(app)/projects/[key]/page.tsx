import { ProjectAdmin } from '@/components/access/project-admin';
import { Forbidden } from '@/components/access/forbidden';
import { PageHeader } from '@/components/ui/form';
import { operations } from '@/lib/operations';
import { readOperation } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Project' };

export default async function ProjectPage({ params }: { params: Promise<{ key: string }> }) {
  const project = decodeURIComponent((await params).key);
  const [read, members, environments] = await Promise.all([
    readOperation(operations.getProjectOp, { project }),
    readOperation(operations.listMembersOp, { project }),
    readOperation(operations.listEnvironmentsOp, { project }),
  ]);
  if (!read.ok || !members.ok || !environments.ok) {
    return <Forbidden title="Project" reason="Your role does not let you see this project’s members and environments." />;
  }
  const known = new Map(environments.data.items.map((e) => [e.name, e.protection.required_role]));
  const allEnvironments = [...new Set([...known.keys(), ...read.data.declared_environments])]
    .sort()
    .map((name) => ({ name, requiredRole: known.get(name) ?? null, deployedYet: known.has(name) }));
  const admin = read.data.your_role === 'admin';
  return (
    <div className="space-y-6">
      <PageHeader title={read.data.title}>
        Project <span className="font-mono">{read.data.key}</span> · your role: <span className="font-medium">{read.data.your_role}</span>
        {admin ? '' : ' — you can look; only its admins change members and protection.'}
      </PageHeader>
      <ProjectAdmin project={read.data.key} admin={admin} members={members.data.items} environments={allEnvironments} />
    </div>
  );
}
