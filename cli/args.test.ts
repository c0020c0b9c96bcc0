import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyAssignments, parseAssignment, parseRunRef, positiveInteger, readJsonObject } from './args';
import { UsageError } from './errors';

describe('--param / --input assignments', () => {
  it('key=value is a string, whatever it looks like', () => {
    expect(parseAssignment('version=1.10')).toEqual(['version', '1.10']);
    expect(parseAssignment('flag=true')).toEqual(['flag', 'true']);
    expect(parseAssignment('url=http://x/?a=b')).toEqual(['url', 'http://x/?a=b']);
    expect(parseAssignment('empty=')).toEqual(['empty', '']);
  });

  it('key:=json is a JSON value', () => {
    expect(parseAssignment('epochs:=3')).toEqual(['epochs', 3]);
    expect(parseAssignment('tags:=["a","b"]')).toEqual(['tags', ['a', 'b']]);
    expect(parseAssignment('on:=false')).toEqual(['on', false]);
  });

  it('refuses what is neither, naming the option', () => {
    expect(() => parseAssignment('novalue', '--input')).toThrow(UsageError);
    expect(() => parseAssignment('=v', '--param')).toThrow(/--param "=v": expected key=value/);
    expect(() => parseAssignment('n:=nope', '--param')).toThrow(/n:= takes JSON/);
  });

  it('applies in order over a base, later ones winning', () => {
    expect(applyAssignments({ a: 1, b: 'x' }, ['b=y', 'c:=2', 'b=z'], '--input')).toEqual({ a: 1, b: 'z', c: 2 });
  });

  it('with a params schema, key=value takes the type the schema declares; strings stay strings', () => {
    const schema = {
      type: 'object',
      properties: {
        version: { type: 'string' },
        replicas: { type: 'integer' },
        dry_run: { type: 'boolean' },
        tags: { type: 'array' },
        either: { type: ['string', 'number'] },
        free: {},
      },
    };
    const params = applyAssignments(
      {},
      ['version=1.10', 'replicas=3', 'dry_run=true', 'tags=["a"]', 'either=7', 'free=8', 'unknown=9', 'replicas:="3"'],
      '--param',
      schema,
    );
    expect(params).toEqual({
      version: '1.10',
      replicas: '3',
      dry_run: true,
      tags: ['a'],
      either: '7',
      free: '8',
      unknown: '9',
    });
    // Text that is not JSON stays as typed, for the server to refuse in the schema's words.
    expect(applyAssignments({}, ['replicas=three'], '--param', schema)).toEqual({ replicas: 'three' });
    expect(applyAssignments({}, ['replicas=3'], '--param', schema)).toEqual({ replicas: 3 });
  });
});

describe('a JSON object file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-cli-args-'));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('reads an object', () => {
    expect(readJsonObject(write('ok.json', '{"a": [1]}'), '--inputs-file')).toEqual({ a: [1] });
  });

  it('refuses a missing file, bad JSON, or anything but an object', () => {
    expect(() => readJsonObject(path.join(dir, 'none.json'), '--inputs-file')).toThrow(/--inputs-file .*none\.json/);
    expect(() => readJsonObject(write('bad.json', '{a'), '--params-file')).toThrow(/is not JSON/);
    expect(() => readJsonObject(write('list.json', '[1]'), '--params-file')).toThrow(/must hold a JSON object/);
  });
});

describe('run references', () => {
  it('reads ids, pipeline#number and bare numbers', () => {
    expect(parseRunRef('0D9B2F6A-1111-4222-8333-444455556666')).toEqual({
      kind: 'id',
      id: '0d9b2f6a-1111-4222-8333-444455556666',
    });
    expect(parseRunRef('release#12')).toEqual({ kind: 'number', pipeline: 'release', number: 12 });
    expect(parseRunRef('demo/release#3')).toEqual({ kind: 'number', pipeline: 'demo/release', number: 3 });
    expect(parseRunRef('12')).toEqual({ kind: 'number', pipeline: null, number: 12 });
    expect(parseRunRef('#7')).toEqual({ kind: 'number', pipeline: null, number: 7 });
  });

  it('leaves anything else to be read as a pipeline name', () => {
    expect(parseRunRef('release')).toBeNull();
    expect(parseRunRef('release-2')).toBeNull();
    expect(parseRunRef('demo/release')).toBeNull();
  });
});

it('--limit takes whole numbers from 1', () => {
  expect(positiveInteger('20')).toBe(20);
  for (const bad of ['0', '-1', '2.5', 'ten', '']) expect(() => positiveInteger(bad)).toThrow(/whole number/);
});
