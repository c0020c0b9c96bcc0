import fs from 'node:fs';
import path from 'node:path';
import envPaths from 'env-paths';
import type { Connection } from './http';
import type { Env } from './format';
import { UsageError } from './errors';

/** Where `reprise login` keeps the URL and token: the user's config folder (XDG_CONFIG_HOME on Linux). */
export function configFile(): string {
  return path.join(envPaths('reprise', { suffix: '' }).config, 'config.json');
}

export function readConfig(file = configFile()): Partial<Connection> {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    return {
      url: typeof parsed.url === 'string' ? parsed.url : undefined,
      token: typeof parsed.token === 'string' ? parsed.token : undefined,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`${file} cannot be read (${(error as Error).message}); run \`reprise login\` again.`);
  }
}

/**
 * Writes the file readable by its owner only: the token is a password. The
 * folder is the user's own (0700); the file is written beside and renamed, so
 * no reader ever sees half of it, nor a moment with wider permissions.
 */
export function writeConfig(connection: Connection, file = configFile()) {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify({ url: connection.url, token: connection.token }, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
  return file;
}

export function removeConfig(file = configFile()): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** REPRISE_URL and REPRISE_TOKEN win over the file, each on its own. */
export function connectionFrom(env: Env = process.env, file = configFile()): Connection {
  const stored = env.REPRISE_URL && env.REPRISE_TOKEN ? {} : readConfig(file);
  const url = env.REPRISE_URL || stored.url;
  const token = env.REPRISE_TOKEN || stored.token;
  if (!url || !token) {
    throw new UsageError('No server to talk to: run `reprise login --url <url>` or set REPRISE_URL and REPRISE_TOKEN.');
  }
  return { url: normalizeUrl(url), token };
}

export function normalizeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not a URL (e.g. http://localhost:3000).`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`"${url}" is not an http(s) URL.`);
  return parsed.toString().replace(/\/+$/, '');
}
