import type { UsageHint } from '../commands/command-usage.js';
import { UsageError } from '../errors/cli-errors.js';
import type { InputField } from './input-fields.js';

export type InputObject = Record<string, unknown>;

/**
 * The whole input of an operation: the `--input` document first, then every flag and argument
 * given on top of it (a flag wins over the same field in the document), nested by field path.
 */
export const assembleInput = (
  document: InputObject | undefined,
  fields: readonly InputField[],
  given: ReadonlyMap<InputField, unknown>,
): InputObject => {
  const input: InputObject = structuredClone(document ?? {});
  for (const field of fields) {
    if (given.has(field)) setAtPath(input, field.path, given.get(field));
  }
  return input;
};

/** Required leaves the input has no value for, in the order the contract declares them. */
export const missingRequiredFields = (fields: readonly InputField[], input: InputObject): InputField[] =>
  fields.filter((field) => field.required && valueAtPath(input, field.path) === undefined);

export const valueAtPath = (input: InputObject, path: readonly string[]): unknown => {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as InputObject)[key];
  }
  return current;
};

export const setAtPath = (input: InputObject, path: readonly string[], value: unknown): void => {
  let current = input;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    // A flag for `price.amount` next to a document whose `price` is not an object: the flag's shape wins.
    if (typeof next !== 'object' || next === null || Array.isArray(next)) current[key] = {};
    current = current[key] as InputObject;
  }
  current[path[path.length - 1]!] = value;
};

/** Parses the text of `--input` (already read from a file or stdin when it named one). */
export const parseInputDocument = (text: string, source: string, hint?: UsageHint): InputObject => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not valid JSON: ${(error as Error).message}`, hint);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${source} must be a JSON object, such as {"name":"Espresso cup"}.`, hint);
  }
  return parsed as InputObject;
};
