import type * as Inquirer from '@inquirer/prompts';
import type { Io } from '../context.js';
import { CancelledError } from '../errors/cli-errors.js';
import { isPromptExit } from '../errors/exit-codes.js';
import type { GlobalOptions } from '../global-options.js';
import type { Colors } from '../output/colors.js';
import { humanize } from '../output/labels.js';
import { CoercionError, coerceFlagValue } from '../schema/coerce.js';
import type { InputField } from '../schema/input-fields.js';

/** Prompt only for a person at a terminal: stdin and stdout both TTYs, and no `--no-input`. */
export const canPrompt = (io: Io, globals: GlobalOptions): boolean =>
  io.stdin.isTTY === true && io.stdout.isTTY === true && globals.prompts;

/**
 * Asks for each field in turn and answers with the values by field. Each answer is checked
 * against the field's own schema as it is typed, so a bad currency is caught at its prompt
 * rather than after every other question. Ctrl-C becomes a CancelledError.
 */
export const askForFields = async (fields: readonly InputField[], io: Io, colors: Colors): Promise<Map<InputField, unknown>> => {
  const answers = new Map<InputField, unknown>();
  try {
    for (const field of fields) answers.set(field, await askForField(field, io, colors));
  } catch (error) {
    if (isPromptExit(error)) throw new CancelledError();
    throw error;
  }
  return answers;
};

const askForField = async (field: InputField, io: Io, colors: Colors): Promise<unknown> => {
  // Loaded at the first prompt: most runs never ask anything, and inquirer is slow to load.
  const { confirm, input, number, password, select } = await import('@inquirer/prompts');
  // Prompts draw on stderr so that stdout carries only the result (`--json` stays parseable).
  const context = { input: io.stdin, output: io.stderr };
  // The flag sits right before the answer, so the finished line teaches the flag: "… --price-amount 1999".
  const flag = field.positional ? `<${field.name}>` : `--${field.name}`;
  const message = `${field.description ?? humanize(field.path.join(' '))}  ${colors.dim(flag)}`;
  const { kind } = field;
  switch (kind.type) {
    case 'enum':
      return select({ message, choices: kind.choices.map((choice) => ({ value: choice, name: choice })) }, context);
    case 'boolean':
      return confirm({ message }, context);
    case 'integer':
    case 'number':
      return number({ message, required: true, step: 'any', validate: (value) => checkNumber(field, value) }, context);
    case 'list':
    case 'json': {
      const text = await input({ message, required: true, validate: (value) => checkText(field, value) }, context);
      return coerceFlagValue(kind, text);
    }
    case 'string': {
      const validate = (value: string) => checkAgainstSchema(field, value);
      if (!field.secret) return input({ message, required: true, validate }, context);
      const secret = await password({ message, mask: true, validate }, context);
      // A new password mistyped once, unseen behind the mask, would lock its owner out: ask again.
      if (field.newSecret) {
        await password({ message: `Again, to be sure  ${colors.dim(flag)}`, mask: true, validate: (again) => again === secret || 'The two entries differ; type the same password again.' }, context);
      }
      return secret;
    }
  }
};

// Our words for a fraction where a whole number belongs, rather than the prompt's "multiple of 1".
const checkNumber = (field: InputField, value: number | undefined): true | string =>
  field.kind.type === 'integer' && value !== undefined && !Number.isInteger(value)
    ? 'Enter a whole number, such as 1999.'
    : checkAgainstSchema(field, value);

const checkText = (field: InputField, text: string): true | string => {
  try {
    return checkAgainstSchema(field, coerceFlagValue(field.kind, text));
  } catch (error) {
    if (error instanceof CoercionError) return error.message;
    throw error;
  }
};

/** True, or the contract's own words for what is wrong with this one value. */
const checkAgainstSchema = (field: InputField, value: unknown): true | string => {
  const result = field.schema.safeParse(value);
  return result.success ? true : (result.error.issues[0]?.message ?? 'Not a valid value');
};
