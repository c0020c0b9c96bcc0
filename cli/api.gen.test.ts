import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, currentDocument, functionName, generateClient, schemaToType } from '../scripts/gen-cli-client';

describe('the generated API client (cli/api.gen.ts)', () => {
  it('is what the generator makes from the current OpenAPI description (run `node --import tsx scripts/gen-cli-client.ts` when not)', async () => {
    const fresh = generateClient(await currentDocument());
    expect(fs.readFileSync(GENERATED_FILE, 'utf8')).toBe(fresh);
  });

  it('has one function per operationId of the document', async () => {
    const doc = await currentDocument();
    const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    const text = fs.readFileSync(GENERATED_FILE, 'utf8');
    for (const id of ids) expect(text).toContain(`export function ${functionName(id)}<R>(`);
  });
});

describe('schemaToType', () => {
  it('converts the subset of JSON Schema the declarations use', () => {
    expect(schemaToType({ type: 'string', maxLength: 10 })).toBe('string');
    expect(schemaToType({ type: 'integer', minimum: 1 })).toBe('number');
    expect(schemaToType({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toBe('string | null');
    expect(schemaToType({ type: 'string', enum: ['queued', "it's"] })).toBe(`'queued' | "it's"`);
    expect(schemaToType({ type: 'array', items: { type: 'string' } })).toBe('string[]');
    expect(schemaToType({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } })).toBe('Array<string | number>');
    expect(schemaToType({ type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} })).toBe('{\n  [key: string]: unknown;\n}');
    expect(
      schemaToType({
        type: 'object',
        properties: { a: { type: 'boolean', description: 'the a' }, 'b-c': { type: 'number' } },
        required: ['a'],
        additionalProperties: false,
      }),
    ).toBe("{\n  /** the a */\n  a: boolean;\n  \"b-c\"?: number;\n}");
    expect(schemaToType({})).toBe('unknown');
    expect(schemaToType({ anyOf: [{}, { type: 'null' }] })).toBe('unknown');
  });

  it('refuses a keyword it does not know instead of typing it loosely', () => {
    expect(() => schemaToType({ allOf: [{ type: 'string' }] }, '#/x')).toThrow(/#\/x: JSON Schema keyword "allOf"/);
    expect(() => schemaToType({ $ref: '#/components/schemas/Run' })).toThrow(/\$ref/);
  });
});
