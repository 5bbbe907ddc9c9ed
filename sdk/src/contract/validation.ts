import type { z } from 'zod';
import type { OperationDefinition } from './operation.js';

/** The code every face uses for input the contract refuses, whether the server or the SDK found it. */
export const VALIDATION_FAILED = 'validation_failed';

export type FieldError = { field: string; message: string };

type Issue = z.core.$ZodRawIssue & {
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  format?: string;
  values?: readonly unknown[];
  keys?: readonly string[];
  divisor?: number;
};

const isWholeNumberSchema = (issue: Issue): boolean =>
  issue.expected === 'int' ||
  ((issue.inst as unknown as { _zod?: { def?: { checks?: { _zod: { def: { format?: string } } }[] } } })?._zod?.def?.checks ?? []).some(
    (check) => check._zod.def.format === 'safeint' || check._zod.def.format === 'int32',
  );

const typeNames: Record<string, string> = {
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

const characters = (count: number | bigint) => (Number(count) === 1 ? '1 character' : `${count} characters`);
const items = (count: number | bigint) => (Number(count) === 1 ? '1 item' : `${count} items`);

/**
 * zod's error map in plain words (`must be 0 or more`, not `Too small: expected number to be >=0`).
 * Messages the contract gives a check itself ("Use a three-letter ISO 4217 code...") win over these,
 * because zod prefers a schema's own message to a per-parse map.
 */
export const plainMessage = (raw: z.core.$ZodRawIssue): string | undefined => {
  const issue = raw as Issue;
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'number' || issue.expected === 'int') return isWholeNumberSchema(issue) ? 'must be a whole number' : 'must be a number';
      return `must be ${typeNames[issue.expected ?? ''] ?? issue.expected}${issue.input === null ? ', not null' : ''}`;
    }
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${characters(issue.minimum!)}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at least ${items(issue.minimum!)}`;
      return issue.inclusive === false ? `must be more than ${issue.minimum}` : `must be ${issue.minimum} or more`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${characters(issue.maximum!)}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${items(issue.maximum!)}`;
      return issue.inclusive === false ? `must be less than ${issue.maximum}` : `must be ${issue.maximum} or less`;
    case 'invalid_format':
      if (issue.format === 'uuid' || issue.format === 'guid') return 'must be a UUID, such as 3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
      if (issue.format === 'email') return 'must be an email address, such as ada@example.com';
      return 'is not in the expected format';
    case 'invalid_value':
      return issue.values && issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${(issue.values ?? []).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'unrecognized_keys':
      return `Unknown field(s): ${(issue.keys ?? []).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return 'is not valid';
    default:
      return undefined;
  }
};

export type InputValidation = { success: true; data: Record<string, unknown> } | { success: false; errors: FieldError[] };

/**
 * Validates an operation's whole input against its contract, naming each problem by field path
 * (`price.amount`) in plain words. The server answers these as a 400 `validation_failed` problem and
 * the SDK throws them before sending, so the same mistake reads the same wherever it is caught.
 */
export const validateInput = (definition: OperationDefinition, input: unknown): InputValidation => {
  const parsed = definition.input.safeParse(input, { error: plainMessage });
  if (parsed.success) return { success: true, data: parsed.data as Record<string, unknown> };
  return {
    success: false,
    errors: parsed.error.issues.map((issue) => ({ field: issue.path.length > 0 ? issue.path.join('.') : '(input)', message: issue.message })),
  };
};
