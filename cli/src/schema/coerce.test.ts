import { describe, expect, it } from 'vitest';
import { CoercionError, coerceFlagValue, coerceScalar } from './coerce.js';

describe('coercing flag text to the field type', () => {
  it('reads whole numbers for integer fields and refuses fractions and words', () => {
    expect(coerceScalar({ type: 'integer' }, '1299')).toBe(1299);
    expect(coerceScalar({ type: 'integer' }, ' -5 ')).toBe(-5);
    expect(() => coerceScalar({ type: 'integer' }, '12.99')).toThrow(CoercionError);
    expect(() => coerceScalar({ type: 'integer' }, 'abc')).toThrow(/whole number/);
  });

  it('reads decimals for number fields and refuses an empty value', () => {
    expect(coerceScalar({ type: 'number' }, '12.5')).toBe(12.5);
    expect(() => coerceScalar({ type: 'number' }, '')).toThrow(CoercionError);
  });

  it('reads the usual words for booleans', () => {
    expect(['true', 'yes', '1', 'ON'].map((word) => coerceScalar({ type: 'boolean' }, word))).toEqual([true, true, true, true]);
    expect(['false', 'no', '0', 'off'].map((word) => coerceScalar({ type: 'boolean' }, word))).toEqual([false, false, false, false]);
    expect(() => coerceScalar({ type: 'boolean' }, 'maybe')).toThrow(/true or false/);
  });

  it('accepts only the listed choices for an enum and names them when refusing', () => {
    const kind = { type: 'enum', choices: ['active', 'discontinued'] } as const;
    expect(coerceScalar(kind, 'active')).toBe('active');
    expect(() => coerceScalar(kind, 'gone')).toThrow('Expected one of active, discontinued; got "gone".');
  });

  it('keeps strings exactly as typed', () => {
    expect(coerceScalar({ type: 'string' }, ' 007 ')).toBe(' 007 ');
  });

  it('collects list items from commas and from repeated flags', () => {
    const kind = { type: 'list', item: { type: 'integer' } } as const;
    const first = coerceFlagValue(kind, '1,2');
    expect(coerceFlagValue(kind, '3', first)).toEqual([1, 2, 3]);
  });

  it('parses JSON flags and refuses broken JSON', () => {
    expect(coerceFlagValue({ type: 'json' }, '{"a":1}')).toEqual({ a: 1 });
    expect(() => coerceFlagValue({ type: 'json' }, '{a:1}')).toThrow(/Expected JSON/);
  });
});
