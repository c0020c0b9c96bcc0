import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from './client';

const REFUSED = 3;
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const lockScript = (dir: string, mechanism: string, afterLock: string) =>
  `const { acquireDataDirLock } = await import('./db/client.ts');
   try { await acquireDataDirLock(${JSON.stringify(dir)}, { mechanism: ${JSON.stringify(mechanism)} }); }
   catch (e) { console.log(e.message); process.exit(${REFUSED}); }
   ${afterLock}`;

const tryLockFromAnotherProcess = (dir: string, mechanism = defaultMechanism()) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', lockScript(dir, mechanism, "console.log('took it');")], {
    encoding: 'utf8',
  });

const defaultMechanism = () => (process.platform === 'linux' ? 'socket' : 'file');
/** A pid that is certainly not running: a child that has already exited. */
const deadPid = () => spawnSync('true').pid;

const mechanisms = process.platform === 'linux' ? (['socket', 'file'] as const) : (['file'] as const);

describe.each(mechanisms)('embedded database lock (%s)', (mechanism) => {
  it('refuses a second process clearly, and is free again once released', async () => {
    const dir = tempDir();
    const release = await acquireDataDirLock(dir, { mechanism });
    const refused = tryLockFromAnotherProcess(dir, mechanism);
    expect(refused.status).toBe(REFUSED);
    expect(refused.stdout).toContain(`is in use by process ${process.pid}`);
    expect(refused.stdout).toContain('DATABASE_URL');
    release();
    const taken = tryLockFromAnotherProcess(dir, mechanism);
    expect(taken.stdout.trim()).toBe('took it');
  });

  it('takes over a lock left by a process that died', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'reprise.lock'), String(deadPid()));
    const release = await acquireDataDirLock(dir, { mechanism });
    expect(fs.readFileSync(path.join(dir, 'reprise.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, 'reprise.lock'))).toBe(false);
  });

  // The bug this guards against: processes starting together over a stale lock
  // each removed it and each believed it had won — two writers on one folder.
  it(
    'lets exactly one of several processes starting at the same instant over a stale lock win',
    async () => {
      const pool = await startContenders(6, mechanism);
      try {
        for (let round = 0; round < 15; round++) {
          const dir = tempDir();
          fs.writeFileSync(path.join(dir, 'reprise.lock'), String(deadPid()));
          const outcomes = await pool.tryLockTogether(dir);
          const winners = outcomes.filter((o) => o.won);
          expect(winners, `round ${round}: ${JSON.stringify(outcomes)}`).toHaveLength(1);
          for (const loser of outcomes.filter((o) => !o.won)) {
            expect(loser.message).toContain(`is in use by process ${winners[0].pid}`);
          }
        }
      } finally {
        await pool.kill();
      }
      // The winners died holding their locks: each folder is free again.
      for (const dir of dirs) (await acquireDataDirLock(dir, { mechanism }))();
    },
    120_000,
  );
});

interface Outcome {
  pid: number;
  won: boolean;
  message?: string;
}

/**
 * Long-lived contender processes (starting one costs a second of CPU, far
 * longer than the race lasts). Each is told a folder on its stdin at the same
 * moment and tries to lock it; a winner keeps the lock until it is killed.
 */
async function startContenders(count: number, mechanism: string) {
  const script = `const { acquireDataDirLock } = await import('./db/client.ts');
    const lines = (await import('node:readline')).createInterface({ input: process.stdin });
    console.log('ready');
    for await (const dir of lines) {
      try {
        await acquireDataDirLock(dir, { mechanism: ${JSON.stringify(mechanism)} });
        console.log(JSON.stringify({ pid: process.pid, won: true }));
      } catch (e) {
        console.log(JSON.stringify({ pid: process.pid, won: false, message: e.message }));
      }
    }`;
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const lineReaders = children.map((child) => readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]());
  const nextLine = async (i: number) => {
    const { value, done } = await lineReaders[i].next();
    if (done) throw new Error(`contender ${children[i].pid} exited`);
    return value;
  };
  await Promise.all(children.map((_, i) => nextLine(i)));
  return {
    async tryLockTogether(dir: string): Promise<Outcome[]> {
      for (const child of children) child.stdin.write(`${dir}\n`);
      return Promise.all(children.map(async (_, i) => JSON.parse(await nextLine(i)) as Outcome));
    },
    async kill() {
      const exits = children.map((child) => new Promise((resolve) => child.once('exit', resolve)));
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(exits);
    },
  };
}
