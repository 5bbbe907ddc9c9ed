import { z } from 'zod';
import type { OperationDefinition } from '@eventshop/sdk/contract';

type JsonSchema = {
  examples?: unknown[];
  properties?: Record<string, JsonSchema>;
  enum?: unknown[];
};

/** The first example (or enum value) of each field that has one; a field with neither is left out. */
const fromSchema = (schema: JsonSchema): unknown => {
  if (schema.examples?.length) return schema.examples[0];
  if (schema.enum?.length) return schema.enum[0];
  if (schema.properties) {
    const entries = Object.entries(schema.properties)
      .map(([name, property]) => [name, fromSchema(property)] as const)
      .filter(([, value]) => value !== undefined);
    return Object.fromEntries(entries);
  }
  return undefined;
};

/**
 * A valid input for an operation, built only from the examples its contract declares. Throws
 * when the contract lacks an example for a required field, which is a contract bug: the
 * reference would show a body that does not work.
 */
export const exampleInput = (definition: OperationDefinition): Record<string, unknown> => {
  const schema = z.toJSONSchema(definition.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const input = (fromSchema(schema) ?? {}) as Record<string, unknown>;
  const parsed = definition.input.safeParse(input);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`${definition.id}: the contract's examples do not make a valid input (fields: ${fields})`);
  }
  return input;
};
