import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionFrom, readConfig, removeConfig, writeConfig } from './config';

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-cli-config-')), 'reprise', 'config.json');

describe('the stored login', () => {
  it('is a file only its owner may read, in a folder only its owner may enter', () => {
    const file = tempFile();
    writeConfig({ url: 'http://localhost:3000', token: 'rp_1' }, file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readConfig(file)).toEqual({ url: 'http://localhost:3000', token: 'rp_1' });
  });

  it('stays 0600 when written over a file that was readable by others', () => {
    const file = tempFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{}', { mode: 0o644 });
    writeConfig({ url: 'http://h', token: 't' }, file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('is overridden by REPRISE_URL and REPRISE_TOKEN, each on its own', () => {
    const file = tempFile();
    writeConfig({ url: 'http://stored:3000', token: 'stored' }, file);
    expect(connectionFrom({}, file)).toEqual({ url: 'http://stored:3000', token: 'stored' });
    expect(connectionFrom({ REPRISE_TOKEN: 'env' }, file)).toEqual({ url: 'http://stored:3000', token: 'env' });
    expect(connectionFrom({ REPRISE_URL: 'http://env:1/', REPRISE_TOKEN: 'env' }, file)).toEqual({ url: 'http://env:1', token: 'env' });
  });

  it('is asked for when there is none, and is gone after logout', () => {
    const file = tempFile();
    expect(() => connectionFrom({}, file)).toThrow(/reprise login/);
    writeConfig({ url: 'http://h', token: 't' }, file);
    expect(removeConfig(file)).toBe(true);
    expect(removeConfig(file)).toBe(false);
    expect(() => connectionFrom({ REPRISE_URL: 'ftp://x', REPRISE_TOKEN: 't' }, file)).toThrow(/not an http\(s\) URL/);
  });
});
