import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MULTI_LINE_TEXT, SECRET_TEXT, SINGLE_LINE_TEXT, operations, validateInput, type OperationDefinition } from './index.js';

const create = operations['products.create'] as unknown as OperationDefinition;
const search = operations['products.search'] as unknown as OperationDefinition;
const addAddress = operations['users.addAddress'] as unknown as OperationDefinition;
const cup = { name: 'Espresso cup', description: 'Porcelain', price: { amount: 1299, currency: 'USD' }, categoryId: 'kitchen' };
const address = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

const errorsOf = (definition: OperationDefinition, input: unknown) => {
  const result = validateInput(definition, input);
  return result.success ? [] : result.errors;
};

describe('validation messages', () => {
  it('says what zod says in plain words', () => {
    expect(errorsOf(create, { ...cup, price: { amount: -1, currency: 'USD' } })).toEqual([{ field: 'price.amount', message: 'must be 0 or more' }]);
    expect(errorsOf(create, { ...cup, name: '' })).toEqual([{ field: 'name', message: 'must not be blank' }]);
    expect(errorsOf(search, { q: 'cup', limit: 'ten' })).toEqual([{ field: 'limit', message: 'must be a whole number' }]);
    expect(errorsOf(search, { q: 'cup', limit: 0 })).toEqual([{ field: 'limit', message: 'must be 1 or more' }]);
    expect(errorsOf(search, { q: 'cup', cursor: '' })).toEqual([{ field: 'cursor', message: 'must not be empty' }]);
    expect(errorsOf(create, { ...cup, name: undefined })).toEqual([{ field: 'name', message: 'is required' }]);
    expect(errorsOf(create, { ...cup, name: 'x'.repeat(201) })).toEqual([{ field: 'name', message: 'must be at most 200 characters' }]);
  });

  it('keeps the messages the contract wrote itself', () => {
    expect(errorsOf(create, { ...cup, price: { amount: 12.5, currency: 'usd' } })).toEqual([
      { field: 'price.amount', message: 'Use whole minor units (cents): 1999 for 19.99' },
      { field: 'price.currency', message: 'Use a three-letter ISO 4217 code in capitals, such as USD' },
    ]);
  });

  it('never lets a zod default sentence through for the inputs of any operation', () => {
    for (const definition of Object.values(operations) as unknown as OperationDefinition[]) {
      const junk = Object.fromEntries(Object.keys(definition.input.shape).map((name) => [name, { nested: [1] }]));
      for (const error of errorsOf(definition, junk)) expect(error.message, `${definition.id} ${error.field}`).not.toMatch(/Invalid input|expected|Too (small|big)/);
    }
  });
});

describe('the text rule', () => {
  it('refuses NUL, lone surrogates and control characters in single-line fields, naming the field', () => {
    for (const hostile of ['a\u0000b', 'a\uD800b', 'a\uDC00', 'tab\there', 'line\nbreak', 'esc\u001b[2J', 'c1\u009b', 'del\u007f', 'line\u2028separator']) {
      expect(errorsOf(create, { ...cup, name: hostile }).map((error) => error.field), JSON.stringify(hostile)).toEqual(['name']);
    }
  });

  it('lets a multi-line description keep tab and line breaks, never NUL or escape codes', () => {
    expect(errorsOf(create, { ...cup, description: 'Line one\r\nLine two\twith a tab' })).toEqual([]);
    for (const hostile of ['a\u0000b', 'esc\u001b[2J', 'lone \uD83D']) {
      expect(errorsOf(create, { ...cup, description: hostile }).map((error) => error.field)).toEqual(['description']);
    }
  });

  it('lets a password hold any character that can be stored, so one chosen with a tab still signs in', () => {
    const signIn = operations['auth.login'] as unknown as OperationDefinition;
    const register = operations['users.register'] as unknown as OperationDefinition;
    const changePassword = operations['users.changePassword'] as unknown as OperationDefinition;
    const odd = 'tab\there and\nline \u001b[escape';
    expect(errorsOf(signIn, { email: 'ada@example.com', password: odd })).toEqual([]);
    expect(errorsOf(register, { email: 'ada@example.com', password: odd, name: 'Ada' })).toEqual([]);
    expect(errorsOf(changePassword, { currentPassword: odd, newPassword: odd })).toEqual([]);
    for (const hostile of ['nul\u0000in the middle', 'lone \uD83D surrogate']) {
      expect(errorsOf(signIn, { email: 'ada@example.com', password: hostile }).map((error) => error.field)).toEqual(['password']);
      expect(errorsOf(register, { email: 'ada@example.com', password: hostile, name: 'Ada' }).map((error) => error.field)).toEqual(['password']);
    }
  });

  it('accepts any well-formed text: accents, CJK, emoji (surrogate pairs)', () => {
    expect(errorsOf(create, { ...cup, name: 'Tasse à café 咖啡杯 ☕ 😀' })).toEqual([]);
    expect(SINGLE_LINE_TEXT.test('😀')).toBe(true);
    expect(MULTI_LINE_TEXT.test('😀\n')).toBe(true);
    expect(new RegExp(SINGLE_LINE_TEXT.source, 'u').test('a\uD800')).toBe(false);
  });

  it('reaches every string field of every operation, query parameters and nested fields included', () => {
    const unguarded: string[] = [];
    const visit = (schema: z.ZodType, where: string) => {
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { type?: string; format?: string; enum?: unknown[]; pattern?: string; allOf?: { pattern?: string }[]; properties?: Record<string, object>; anyOf?: object[] };
      const walk = (node: typeof json, path: string) => {
        if (node.type === 'string' && node.format === undefined && node.enum === undefined) {
          const patterns = [node.pattern, ...(node.allOf ?? []).map((part) => part.pattern)];
          if (!patterns.some((pattern) => [SINGLE_LINE_TEXT, MULTI_LINE_TEXT, SECRET_TEXT].some((rule) => pattern === rule.source))) unguarded.push(path);
        }
        for (const [name, property] of Object.entries(node.properties ?? {})) walk(property as typeof json, `${path}.${name}`);
        for (const option of node.anyOf ?? []) walk(option as typeof json, path);
      };
      walk(json, where);
    };
    for (const definition of Object.values(operations) as unknown as OperationDefinition[]) visit(definition.input, definition.id);
    expect(unguarded).toEqual([]);
  });
});

describe('postal codes', () => {
  it('accepts letters, as the rule says', () => {
    for (const postalCode of ['ABCD', 'sw1y 4jh', 'W1', 'K1A 0B1', '1234 AB', '94105']) expect(errorsOf(addAddress, { ...address, postalCode }), postalCode).toEqual([]);
  });

  it('refuses what the rule refuses, saying how long and what it may start with', () => {
    expect(errorsOf(addAddress, { ...address, postalCode: '-AB' })[0]!.message).toMatch(/2 to 12 letters, digits, spaces or dashes, starting with a letter or digit/);
  });
});
