import { describe, expect, it } from 'vitest';
import {
  MASK,
  maskDiff,
  maskInputs,
  maskJson,
  maskText,
  mergeReplayInputs,
  secretPaths,
  secretValues,
  StreamMasker,
} from './secrets';

const schema = {
  type: 'object',
  properties: {
    channel: { type: 'string' },
    webhook_token: { type: 'string', 'x-secret': true },
    auth: {
      type: 'object',
      properties: { user: { type: 'string' }, password: { type: 'string', writeOnly: true } },
    },
    hooks: { type: 'array', items: { type: 'object', properties: { key: { type: 'string', writeOnly: true } } } },
    pin: { type: 'integer', writeOnly: true },
  },
};

describe('secretPaths', () => {
  it('finds properties marked writeOnly or x-secret, nested objects and array elements included', () => {
    expect(secretPaths(schema)).toEqual(['/auth/password', '/hooks/*/key', '/pin', '/webhook_token']);
  });
  it('finds none in a schema without secrets, or no schema', () => {
    expect(secretPaths({ type: 'object', properties: { a: { type: 'string', writeOnly: false } } })).toEqual([]);
    expect(secretPaths(null)).toEqual([]);
  });
  it('looks into allOf / anyOf / oneOf branches and escapes names as JSON Pointer does', () => {
    expect(
      secretPaths({
        allOf: [{ properties: { 'a/b': { 'x-secret': true } } }],
        oneOf: [{ properties: { t: { writeOnly: true } } }],
      }),
    ).toEqual(['/a~1b', '/t']);
  });
});

describe('maskInputs', () => {
  const inputs = {
    channel: '#ops',
    webhook_token: 'tok-123456',
    auth: { user: 'ann', password: 'hunter22' },
    hooks: [{ key: 'k-one-1' }, { key: 'k-two-2' }],
    pin: 123456,
  };
  it('replaces each present secret value with the mask and leaves the rest', () => {
    expect(maskInputs(inputs, schema)).toEqual({
      channel: '#ops',
      webhook_token: MASK,
      auth: { user: 'ann', password: MASK },
      hooks: [{ key: MASK }, { key: MASK }],
      pin: MASK,
    });
    expect(inputs.webhook_token).toBe('tok-123456');
  });
  it('adds nothing that was absent', () => {
    expect(maskInputs({ channel: '#ops' }, schema)).toEqual({ channel: '#ops' });
    expect(maskInputs(null, schema)).toBeNull();
  });
});

describe('secretValues and maskText', () => {
  it('collects the secret values worth looking for, longest first', () => {
    const values = secretValues(
      { webhook_token: 'tok-123456', auth: { password: 'pw' }, pin: 123456, channel: '#ops' },
      schema,
    );
    expect(values).toEqual(['tok-123456', '123456']);
  });
  it('also looks for a secret as it reads inside JSON', () => {
    expect(secretValues({ webhook_token: 'a"quoted"b' }, schema)).toEqual(['a\\"quoted\\"b', 'a"quoted"b']);
  });
  it('masks every occurrence', () => {
    expect(maskText('token=tok-123456 again tok-123456.', ['tok-123456'])).toBe(`token=${MASK} again ${MASK}.`);
    expect(maskJson({ out: 'tok-123456', n: 1, list: ['x tok-123456'] }, ['tok-123456'])).toEqual({
      out: MASK,
      n: 1,
      list: [`x ${MASK}`],
    });
  });
});

describe('StreamMasker', () => {
  it('masks a secret split across pieces, holding back only what could start one', () => {
    const masker = new StreamMasker(['tok-123456']);
    const out = [masker.write('sending tok-12'), masker.write('3456 done\nnext to'), masker.write('ken'), masker.end()];
    expect(out.join('')).toBe(`sending ${MASK} done\nnext token`);
    expect(out[0]).toBe('sending ');
  });
  it('passes text through untouched without secrets', () => {
    const masker = new StreamMasker([]);
    expect(masker.write('tok-')).toBe('tok-');
  });
});

describe('mergeReplayInputs', () => {
  const previous = { channel: '#ops', webhook_token: 'old-secret', auth: { user: 'ann', password: 'old-pw-1' } };
  it('keeps a secret left as the mask', () => {
    const edited = { channel: '#dev', webhook_token: MASK, auth: { user: 'bob', password: MASK } };
    expect(mergeReplayInputs(edited, previous, schema)).toEqual({
      channel: '#dev',
      webhook_token: 'old-secret',
      auth: { user: 'bob', password: 'old-pw-1' },
    });
  });
  it('takes a newly typed secret', () => {
    expect(mergeReplayInputs({ ...previous, webhook_token: 'new-secret' }, previous, schema).webhook_token).toBe(
      'new-secret',
    );
  });
});

describe('maskDiff', () => {
  it('says a secret changed without its values, and masks secrets inside other changes', () => {
    const diff = maskDiff(
      [
        { path: '/webhook_token', before: 'old-secret', after: 'new-secret' },
        {
          path: '/auth',
          before: { user: 'ann', password: 'p1-secret' },
          after: { user: 'bob', password: 'p1-secret' },
        },
        { path: '/channel', before: '#ops', after: '#dev' },
      ],
      schema,
    );
    expect(diff).toEqual([
      { path: '/webhook_token', before: MASK, after: MASK, secret: true },
      { path: '/auth', before: { user: 'ann', password: MASK }, after: { user: 'bob', password: MASK } },
      { path: '/channel', before: '#ops', after: '#dev' },
    ]);
  });
});
