import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock } from './client';

const tryLockFromAnotherProcess = (dir: string) =>
  spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import { acquireDataDirLock } from './db/client.ts'; try { acquireDataDirLock(${JSON.stringify(dir)}); console.log('took it'); } catch (e) { console.log(e.message); process.exit(3); }`,
    ],
    { encoding: 'utf8' },
  );

describe('embedded database lock', () => {
  it('refuses a second process clearly, and is free again once released', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-lock-'));
    const release = acquireDataDirLock(dir);
    const refused = tryLockFromAnotherProcess(dir);
    expect(refused.status).toBe(3);
    expect(refused.stdout).toContain(`is in use by process ${process.pid}`);
    expect(refused.stdout).toContain('DATABASE_URL');
    release();
    const taken = tryLockFromAnotherProcess(dir);
    expect(taken.stdout.trim()).toBe('took it');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes over a lock left by a process that died', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-lock-'));
    fs.writeFileSync(path.join(dir, 'reprise.lock'), '999999999');
    const release = acquireDataDirLock(dir);
    expect(fs.readFileSync(path.join(dir, 'reprise.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, 'reprise.lock'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
