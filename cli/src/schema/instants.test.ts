import { operations } from '@eventshop/sdk/contract';
import { describe, expect, it } from 'vitest';
import { inputFieldsOf } from './input-fields.js';
import { InstantError, isInstantField, parseInstant, resolveInstants } from './instants.js';

const now = new Date('2026-11-24T12:34:56.000Z');
const iso = (text: string) => parseInstant(text, now)?.iso;

describe('relative instants', () => {
  it('reads a time ago in seconds, minutes, hours, days and weeks', () => {
    expect(iso('30s')).toBe('2026-11-24T12:34:26.000Z');
    expect(iso('30m')).toBe('2026-11-24T12:04:56.000Z');
    expect(iso('2h')).toBe('2026-11-24T10:34:56.000Z');
    expect(iso('3d')).toBe('2026-11-21T12:34:56.000Z');
    expect(iso('1w')).toBe('2026-11-17T12:34:56.000Z');
  });

  it('takes words, combinations and "ago"', () => {
    expect(iso('2 hours ago')).toBe('2026-11-24T10:34:56.000Z');
    expect(iso('1h30m')).toBe('2026-11-24T11:04:56.000Z');
    expect(iso('now')).toBe('2026-11-24T12:34:56.000Z');
  });

  it('reads today and yesterday as the midnight (UTC) that starts them', () => {
    expect(iso('today')).toBe('2026-11-24T00:00:00.000Z');
    expect(iso('yesterday')).toBe('2026-11-23T00:00:00.000Z');
  });

  it('keeps an ISO instant with its offset exactly as written', () => {
    expect(parseInstant('2026-11-20T10:00:00+02:00', now)).toEqual({ iso: '2026-11-20T10:00:00+02:00', exact: true });
  });

  it('reads a date, or a time without an offset, as UTC', () => {
    expect(parseInstant('2026-11-20', now)).toEqual({ iso: '2026-11-20T00:00:00.000Z', exact: false });
    expect(iso('2026-11-20 10:15')).toBe('2026-11-20T10:15:00.000Z');
  });

  it('refuses what is no instant', () => {
    for (const text of ['tomorow', '2 fortnights', '', 'h2', '2026-13-45']) expect(parseInstant(text, now), text).toBeUndefined();
  });
});

describe('instant fields of an operation', () => {
  const stateFields = inputFieldsOf(operations['ops.streams.state']);
  const diffFields = inputFieldsOf(operations['ops.streams.diff']);

  it('are recognised by the contract’s instant marker', () => {
    expect(stateFields.filter(isInstantField).map((field) => field.name)).toEqual(['at']);
    expect(diffFields.filter(isInstantField).map((field) => field.name)).toEqual(['from', 'to']);
    expect(inputFieldsOf(operations['ops.events.list']).filter(isInstantField).map((field) => field.name)).toEqual(['since', 'until']);
  });

  it('become the ISO instant they mean, with a note saying which', () => {
    const { input, notes } = resolveInstants({ streamId: 'product-1', at: '2h' }, stateFields, now);
    expect(input).toEqual({ streamId: 'product-1', at: '2026-11-24T10:34:56.000Z' });
    expect(notes).toEqual(['--at 2h: using 2026-11-24T10:34:56.000Z']);
  });

  it('leave versions and exact instants alone, without a note', () => {
    const given = { streamId: 'product-1', from: '2', to: '2026-11-24T12:00:00Z' };
    expect(resolveInstants(given, diffFields, now)).toEqual({ input: given, notes: [] });
  });

  it('name the flag and the spellings it takes when a value is no instant', () => {
    expect(() => resolveInstants({ streamId: 'product-1', at: 'last tuesday' }, stateFields, now)).toThrow(InstantError);
    expect(() => resolveInstants({ streamId: 'product-1', at: 'last tuesday' }, stateFields, now)).toThrow(/--at takes an ISO instant .*; got "last tuesday"/);
  });
});
