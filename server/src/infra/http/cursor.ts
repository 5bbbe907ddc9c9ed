import { RequestValidationError } from './problems.js';

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export const encodeCursor = (key: unknown[]): string => Buffer.from(JSON.stringify(key)).toString('base64url');

export const decodeCursor = (cursor: string, shape: ('string' | 'number' | 'uuid')[]): unknown[] => {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === shape.length && key.every((value, i) => matches(value, shape[i]!))) return key;
  } catch {
    // fall through to the one error below
  }
  throw new RequestValidationError([{ field: 'cursor', message: 'Not a cursor this list gave out; start again without it' }]);
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const matches = (value: unknown, kind: 'string' | 'number' | 'uuid') =>
  kind === 'uuid' ? typeof value === 'string' && UUID.test(value) : typeof value === kind;
