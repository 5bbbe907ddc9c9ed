import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { GlobalOptions } from '../global-options.js';
import { colorEnabled, createColors } from './colors.js';
import { formatMoney } from './format-value.js';
import { renderKeyValue } from './key-value.js';
import { createPrinter } from './printer.js';
import { renderTable } from './table.js';
import { testIo } from '../testing/test-streams.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

const products = [
  { id: '4eca048b-479f-4d66-af22-fea3aed7cbfd', name: 'Espresso cup', price: { amount: 1299, currency: 'USD' }, status: 'active', sku: null },
  { id: '13aa2825-cd8b-4f7e-89ed-2d045de247b4', name: 'Moka pot', price: { amount: 2499, currency: 'USD' }, status: 'discontinued', sku: 'MOKA-3' },
];
const columns = ['id', 'name', 'price', 'status', 'sku'];

const globals = (overrides: Partial<GlobalOptions> = {}): GlobalOptions => ({
  url: undefined,
  token: undefined,
  apiKey: undefined,
  profile: undefined,
  json: false,
  color: true,
  prompts: true,
  verbose: false,
  ...overrides,
});

describe('deciding on colour', () => {
  it('colours a terminal by default', () => {
    expect(colorEnabled({ env: {}, colorFlag: true, isTTY: true })).toBe(true);
  });

  it('never colours when NO_COLOR is set, even to an empty value', () => {
    expect(colorEnabled({ env: { NO_COLOR: '' }, colorFlag: true, isTTY: true })).toBe(false);
    expect(colorEnabled({ env: { NO_COLOR: '1' }, colorFlag: true, isTTY: true })).toBe(false);
  });

  it('never colours with --no-color or when output is not a terminal', () => {
    expect(colorEnabled({ env: {}, colorFlag: false, isTTY: true })).toBe(false);
    expect(colorEnabled({ env: {}, colorFlag: true, isTTY: false })).toBe(false);
  });
});

describe('formatting money', () => {
  it('shows minor units as a decimal amount with the currency', () => {
    expect(formatMoney({ amount: 1299, currency: 'USD' })).toBe('12.99 USD');
    expect(formatMoney({ amount: 5, currency: 'EUR' })).toBe('0.05 EUR');
  });

  it('uses the currency’s own number of decimals', () => {
    expect(formatMoney({ amount: 500, currency: 'JPY' })).toBe('500 JPY');
  });
});

describe('tables', () => {
  it('align columns under upper-case headers for people', () => {
    const lines = renderTable(products, columns, { colors: createColors(false), forPeople: true }).split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+PRICE\s+STATUS\s+SKU$/);
    expect(lines[1]).toMatch(/^4eca048b-\S+\s+Espresso cup\s+12\.99 USD\s+active\s+-$/);
    expect(lines[1]!.indexOf('12.99 USD')).toBe(lines[2]!.indexOf('24.99 USD'));
  });

  it('colour statuses and dim ids when colour is on, without changing the alignment', () => {
    const coloured = renderTable(products, columns, { colors: createColors(true), forPeople: true });
    const plain = renderTable(products, columns, { colors: createColors(false), forPeople: true });
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain(createColors(true).green('active'));
    expect(coloured).toContain(createColors(true).red('discontinued'));
    expect(stripVTControlCharacters(coloured)).toBe(plain);
  });

  it('are tab-separated rows without a header for scripts', () => {
    const text = renderTable(products, columns, { colors: createColors(false), forPeople: false });
    expect(text.split('\n')[0]).toBe('4eca048b-479f-4d66-af22-fea3aed7cbfd\tEspresso cup\t12.99 USD\tactive\t');
  });
});

describe('single objects', () => {
  it('show labelled values, contract columns first and nested objects indented', () => {
    const text = renderKeyValue(
      { createdAt: '2026-11-24T12:00:00.000Z', id: 'u1', user: { email: 'ada@example.com' } },
      ['id'],
      { colors: createColors(false), forPeople: true },
    );
    expect(text.split('\n')).toEqual(['ID:          u1', 'Created at:  2026-11-24T12:00:00.000Z', 'User:', '  Email:  ada@example.com']);
  });

  it('show a list of objects inside an object as a small table', () => {
    const text = renderKeyValue(
      { status: 'ready', checks: [{ name: 'database', ok: true }, { name: 'read models', ok: false, detail: 'behind' }] },
      [],
      { colors: createColors(false), forPeople: true },
    );
    expect(text).toContain('  NAME         OK     DETAIL');
    expect(text).toContain('  read models  false  behind');
  });

  it('are path<TAB>value lines for scripts', () => {
    const text = renderKeyValue({ id: 'u1', user: { email: 'ada@example.com' } }, [], { colors: createColors(false), forPeople: false });
    expect(text).toBe('id\tu1\nuser.email\tada@example.com');
  });
});

describe('the printer', () => {
  it('writes no ANSI codes to a terminal when NO_COLOR is set', () => {
    const io = testIo({ tty: true });
    const printer = createPrinter(io, { NO_COLOR: '' }, globals());
    printer.result(products, () => renderTable(products, columns, printer.presentation));
    expect(io.stdout.text()).toContain('Espresso cup');
    expect(io.stdout.text()).not.toMatch(ANSI);
  });

  it('writes no ANSI codes and no table layout when stdout is not a terminal', () => {
    const io = testIo({ tty: false });
    const printer = createPrinter(io, {}, globals());
    printer.result(products, () => renderTable(products, columns, printer.presentation));
    expect(io.stdout.text()).not.toMatch(ANSI);
    expect(io.stdout.text()).not.toContain('NAME');
  });

  it('prints exactly the JSON result on stdout with --json, and notes on stderr', () => {
    const io = testIo({ tty: true });
    const printer = createPrinter(io, {}, globals({ json: true }));
    printer.result({ items: products, nextCursor: null }, () => 'a table');
    printer.line('for people only');
    printer.note('a hint');
    expect(JSON.parse(io.stdout.text())).toEqual({ items: products, nextCursor: null });
    expect(io.stderr.text()).toBe('a hint\n');
  });
});
