import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { validateAgainstSchema, type FieldError } from './validation';
import { isSecretPath, MASK } from './secrets';

export interface InputProblem {
  /** Where in the text the problem is (for the editor's marks). */
  from: number;
  to: number;
  message: string;
  /** JSON Pointer of a schema error; null for a syntax error. */
  path: string | null;
}

/**
 * Checks the replay editor's text: JSON syntax first (with positions), then the
 * step's inputSchema (each error placed at the value it is about). The same
 * schema check the server runs, so what passes here passes there — except
 * a secret left as "••••": the server checks the value it stands for.
 */
export function checkInputsText(text: string, schema: Record<string, unknown> | null): InputProblem[] {
  const syntax: ParseError[] = [];
  const value: unknown = parse(text, syntax, { allowTrailingComma: false, disallowComments: true });
  if (syntax.length) {
    return syntax.map((e) => ({
      from: e.offset,
      to: e.offset + Math.max(1, e.length),
      message: `Invalid JSON: ${describe(printParseErrorCode(e.error))}`,
      path: null,
    }));
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return [{ from: 0, to: Math.max(1, text.length), message: 'Invalid JSON: the inputs must be an object', path: null }];
  }
  const tree = parseTree(text);
  return validateAgainstSchema(schema, value)
    .filter((error) => !(isSecretPath(error.path, schema) && valueAt(value, error.path) === MASK))
    .map((error) => place(error, tree, text));
}

function valueAt(value: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, segment) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined), value);
}

function place(error: FieldError, tree: ReturnType<typeof parseTree>, text: string): InputProblem {
  const segments = error.path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  // A missing property has no node: mark its parent object instead.
  for (let n = segments.length; n >= 0; n--) {
    const node = tree && findNodeAtLocation(tree, segments.slice(0, n));
    if (node) {
      const target = node.parent?.type === 'property' && n === segments.length ? node.parent : node;
      return { from: target.offset, to: target.offset + Math.min(target.length, 200), message: `${error.path || '/'} ${error.message}`, path: error.path };
    }
  }
  return { from: 0, to: Math.min(1, text.length), message: `${error.path || '/'} ${error.message}`, path: error.path };
}

const describe = (code: string) =>
  code
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace('eof', 'end of text');
