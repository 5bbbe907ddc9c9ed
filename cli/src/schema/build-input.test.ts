import { operations } from '@eventshop/sdk/contract';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors/cli-errors.js';
import { assembleInput, missingRequiredFields, parseInputDocument } from './build-input.js';
import { inputFieldsOf } from './input-fields.js';

const fields = inputFieldsOf(operations['products.create']);
const field = (name: string) => fields.find((candidate) => candidate.name === name)!;

describe('assembling an operation input from flags', () => {
  it('nests flattened flags back into objects', () => {
    const input = assembleInput(undefined, fields, new Map<(typeof fields)[number], unknown>([
      [field('name'), 'Cup'],
      [field('price-amount'), 1299],
      [field('price-currency'), 'USD'],
    ]));
    expect(input).toEqual({ name: 'Cup', price: { amount: 1299, currency: 'USD' } });
  });

  it('lets a flag win over the same field in the --input document and keeps the rest of it', () => {
    const document = { name: 'From JSON', price: { amount: 100, currency: 'EUR' }, categoryId: 'kitchen' };
    const input = assembleInput(document, fields, new Map([[field('price-amount'), 250]]));
    expect(input).toEqual({ name: 'From JSON', price: { amount: 250, currency: 'EUR' }, categoryId: 'kitchen' });
    expect(document.price.amount).toBe(100);
  });

  it('names the required leaves still missing, in contract order', () => {
    const input = assembleInput(undefined, fields, new Map([[field('name'), 'Cup']]));
    expect(missingRequiredFields(fields, input).map((missing) => missing.name)).toEqual(['price-amount', 'price-currency', 'category-id']);
  });
});

describe('reading the --input document', () => {
  it('accepts a JSON object', () => {
    expect(parseInputDocument('{"name":"Cup"}', '--input')).toEqual({ name: 'Cup' });
  });

  it('refuses broken JSON and non-objects as usage errors', () => {
    expect(() => parseInputDocument('{name', '--input')).toThrow(UsageError);
    expect(() => parseInputDocument('[1,2]', '--input')).toThrow(/must be a JSON object/);
  });
});
