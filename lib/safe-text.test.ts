import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './testing/test-db';
import { NUL_REPLACEMENT, safeJson, safeText } from './safe-text';

const LONE_HIGH = '\ud800';
const LONE_LOW = '\udc00';

describe('safeText', () => {
  it('returns a clean string itself, emoji included', () => {
    const clean = 'déjà vu 😀 \u2400 tab\tnewline\n';
    expect(safeText(clean)).toBe(clean);
  });

  it('shows a NUL as ␀', () => {
    expect(safeText('a\0b\0')).toBe(`a${NUL_REPLACEMENT}b${NUL_REPLACEMENT}`);
  });

  it('replaces lone surrogates with U+FFFD and keeps pairs', () => {
    expect(safeText(`x${LONE_HIGH}y${LONE_LOW}z😀${LONE_HIGH}`)).toBe('x\ufffdy\ufffdz😀\ufffd');
  });
});

describe('safeJson', () => {
  it('returns the value itself when nothing needs replacing', () => {
    const value = { a: [1, 'two', { three: true, four: null }], b: 2.5 };
    expect(safeJson(value)).toBe(value);
  });

  it('leaves numbers, booleans and null alone', () => {
    expect(safeJson(42)).toBe(42);
    expect(safeJson(true)).toBe(true);
    expect(safeJson(null)).toBe(null);
  });

  it('replaces in strings and keys, at any depth, without touching the input', () => {
    const value = {
      'k\0': `v${LONE_LOW}`,
      list: [1, ['a\0', { [`deep${LONE_HIGH}`]: [false, null, 'ok'] }]],
    };
    const snapshot = structuredClone(value);
    expect(safeJson(value)).toEqual({
      'k␀': 'v\ufffd',
      list: [1, ['a␀', { 'deep\ufffd': [false, null, 'ok'] }]],
    });
    expect(value).toEqual(snapshot);
  });

  it('keeps a __proto__ key as data', () => {
    const value = JSON.parse('{"__proto__": {"x": "a\\u0000"}, "y": 1}') as Record<string, unknown>;
    const safe = safeJson(value);
    expect(Object.getPrototypeOf(safe)).toBe(Object.prototype);
    expect(JSON.stringify(safe)).toBe('{"__proto__":{"x":"a␀"},"y":1}');
  });

  it('walks a 10,000-deep nested array without a RangeError', () => {
    const deep = (leaf: string) => {
      let value: unknown = [leaf];
      for (let i = 0; i < 10_000; i++) value = [value];
      return value;
    };
    const clean = deep('fine');
    expect(safeJson(clean)).toBe(clean);
    let node: unknown = safeJson(deep('a\0'));
    let depth = 0;
    while (Array.isArray(node) && Array.isArray(node[0])) {
      node = node[0];
      depth++;
    }
    expect(depth).toBe(10_000);
    expect(node).toEqual(['a␀']);
  });
});

describe('safe values in a real database', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  const rowsOf = (result: unknown) => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];
  const asJsonb = async (value: unknown) =>
    rowsOf(await database.db.execute(sql`select ${JSON.stringify(value)}::jsonb as v`))[0].v;
  const asText = async (value: string) => rowsOf(await database.db.execute(sql`select ${value}::text as v`))[0].v;

  const unsafe = {
    [`key\0${LONE_HIGH}`]: ['nul\0', `lone${LONE_LOW}`, { nested: `x${LONE_HIGH}y` }],
    emoji: 'ok 😀',
    n: 1,
  };

  it('refuses the raw value (what used to crash a finish)', async () => {
    await expect(asJsonb(unsafe)).rejects.toThrow();
    await expect(asText('a\0b')).rejects.toThrow();
  });

  it('stores the safe value and reads back exactly it', async () => {
    const safe = safeJson(unsafe);
    expect(await asJsonb(safe)).toEqual(safe);
    expect(await asJsonb(safe)).toEqual({ 'key␀\ufffd': ['nul␀', 'lone\ufffd', { nested: 'x\ufffdy' }], emoji: 'ok 😀', n: 1 });
    expect(await asText(safeText(`a\0b${LONE_HIGH}`))).toBe('a␀b\ufffd');
  });
});
