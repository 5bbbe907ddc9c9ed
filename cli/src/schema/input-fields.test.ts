import { operation, operations } from '@eventshop/sdk/contract';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inputFieldsOf, valuePlaceholder, type InputField } from './input-fields.js';

const byName = (fields: InputField[]) => new Map(fields.map((field) => [field.name, field]));

const syntheticOperation = (input: z.ZodObject<z.ZodRawShape>, path = '/api/things') =>
  operation({ id: 'things.change', method: 'PUT', path, kind: 'command', auth: 'admin', summary: 'Change a thing', input, output: z.object({}) });

describe('flags generated from the products.create input schema', () => {
  const fields = byName(inputFieldsOf(operations['products.create']));

  it('flattens the nested Money object into one flag per leaf', () => {
    expect([...fields.keys()]).toEqual(['name', 'description', 'price-amount', 'price-currency', 'category-id', 'sku']);
    expect(fields.get('price-amount')).toMatchObject({ path: ['price', 'amount'], kind: { type: 'integer' }, required: true });
    expect(fields.get('price-currency')).toMatchObject({ path: ['price', 'currency'], kind: { type: 'string' }, required: true });
  });

  it('takes each flag description from the schema .describe() text', () => {
    expect(fields.get('name')?.description).toBe('Product name');
    expect(fields.get('price-amount')?.description).toBe('Amount in minor units (cents)');
    expect(fields.get('category-id')?.description).toBe('Category slug');
  });

  it('treats fields with a default or .optional() as not required', () => {
    expect(fields.get('description')?.required).toBe(false);
    expect(fields.get('sku')?.required).toBe(false);
  });

  it("finds a nested leaf's example in its object's example", () => {
    expect(fields.get('price-amount')?.example).toBe(1999);
    expect(fields.get('price-currency')?.example).toBe('USD');
  });
});

describe('flags generated from other products operations', () => {
  it('makes a path parameter a positional argument', () => {
    const [id] = inputFieldsOf(operations['products.get']);
    expect(id).toMatchObject({ name: 'id', positional: true, required: true, kind: { type: 'string' } });
  });

  it('spells snake_case and camelCase fields in kebab-case', () => {
    expect(inputFieldsOf(operations['products.list']).map((field) => field.name)).toEqual(['currency', 'price-min', 'price-max', 'limit', 'cursor']);
    const update = byName(inputFieldsOf(operations['products.update']));
    expect(update.get('expected-version')).toMatchObject({ path: ['expectedVersion'], kind: { type: 'integer' }, required: false });
  });

  it('keeps the leaves of an optional object optional', () => {
    const update = byName(inputFieldsOf(operations['products.update']));
    expect(update.get('price-amount')?.required).toBe(false);
    expect(update.get('price-currency')?.required).toBe(false);
  });
});

describe('flags generated from field types', () => {
  const fields = byName(
    inputFieldsOf(
      syntheticOperation(
        z.object({
          status: z.enum(['active', 'discontinued']).describe('Status'),
          featured: z.boolean().optional(),
          ratio: z.number().optional(),
          tags: z.array(z.string()).optional(),
          roles: z.array(z.enum(['admin', 'customer'])).optional(),
          phone: z.string().nullable().optional(),
          attributes: z.record(z.string(), z.string()).optional(),
          adminPassword: z.string(),
          token: z.string().optional(),
        }),
      ),
    ),
  );

  it('gives an enum its choices, shown in the value placeholder', () => {
    expect(fields.get('status')?.kind).toEqual({ type: 'enum', choices: ['active', 'discontinued'] });
    expect(valuePlaceholder(fields.get('status')!.kind)).toBe('active|discontinued');
  });

  it('names a long list of choices by the field, so one flag cannot push every flag’s help far right', () => {
    const many = { type: 'enum', choices: ['reserving', 'awaiting_payment', 'allocating', 'awaiting_shipment'] } as const;
    expect(valuePlaceholder(many, 'step')).toBe('step');
    expect(valuePlaceholder({ type: 'enum', choices: ['active', 'discontinued'] }, 'status')).toBe('active|discontinued');
  });

  it('tells integers, other numbers and booleans apart', () => {
    expect(fields.get('featured')?.kind).toEqual({ type: 'boolean' });
    expect(fields.get('ratio')?.kind).toEqual({ type: 'number' });
  });

  it('makes arrays of scalars repeatable lists and anything else JSON', () => {
    expect(fields.get('tags')?.kind).toEqual({ type: 'list', item: { type: 'string' } });
    expect(fields.get('roles')?.kind).toEqual({ type: 'list', item: { type: 'enum', choices: ['admin', 'customer'] } });
    expect(fields.get('attributes')?.kind).toEqual({ type: 'json' });
  });

  it('marks nullable fields and password fields', () => {
    expect(fields.get('phone')?.nullable).toBe(true);
    expect(fields.get('status')?.nullable).toBe(false);
    expect(fields.get('admin-password')?.secret).toBe(true);
  });

  it('renames a field whose flag would shadow a global flag', () => {
    expect(fields.has('token')).toBe(false);
    expect(fields.get('input-token')?.path).toEqual(['token']);
  });
});
