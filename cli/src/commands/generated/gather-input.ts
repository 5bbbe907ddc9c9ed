import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readAll, type CliContext } from '../../context.js';
import { UsageError } from '../../errors/cli-errors.js';
import type { Colors } from '../../output/colors.js';
import { askForFields } from '../../prompts/field-prompts.js';
import { assembleInput, missingRequiredFields, parseInputDocument, valueAtPath, type InputObject } from '../../schema/build-input.js';
import type { InputField } from '../../schema/input-fields.js';
import type { UsageHint } from '../command-usage.js';

/** Commander's attribute name for each field's option (`priceAmount`) → the field. */
export type FieldOptions = ReadonlyMap<string, InputField>;

export type GivenInput = {
  fields: readonly InputField[];
  fieldOptions: FieldOptions;
  positionalValues: readonly unknown[];
  command: Command;
  context: CliContext;
  /** The text of `--input`, if given. */
  inputOption: string | undefined;
  hint: UsageHint;
  /** Given when prompting is allowed (a person at a terminal, no --no-input). */
  promptColors: Colors | undefined;
};

/**
 * An operation's whole input: the `--input` document, then arguments and flags over it, then
 * answers to prompts for required fields still missing, or a usage error naming them.
 */
export const gatherInput = async (given: GivenInput): Promise<InputObject> => {
  const values = new Map<InputField, unknown>();
  given.fields
    .filter((field) => field.positional)
    .forEach((field, index) => {
      if (given.positionalValues[index] !== undefined) values.set(field, given.positionalValues[index]);
    });
  const options = given.command.opts<Record<string, unknown>>();
  for (const [attribute, field] of given.fieldOptions) {
    const value = options[attribute];
    if (value === undefined) continue;
    if (values.has(field)) throw new UsageError(`Give ${field.description?.toLowerCase() ?? field.name} once: as the <${field.name}> argument or as --${field.name}, not both.`, given.hint);
    // Commander gives `false` for `--no-<flag>`, which only nullable fields define.
    values.set(field, value === false && field.nullable && field.kind.type !== 'boolean' ? null : value);
  }
  const document = given.inputOption === undefined ? undefined : await readInputDocument(given.inputOption, given.context, given.hint);
  const input = assembleInput(document, given.fields, values);

  const missing = missingRequiredFields(given.fields, input);
  if (missing.length === 0) return input;
  if (!given.promptColors) throw new UsageError(missingMessage(missing), given.hint);
  // Before asking for anything: a bad --email should not be found only after two password prompts.
  refuseInvalidGivenValues(given.fields, input, given.hint);
  const answers = await askForFields(missing, given.context.io, given.promptColors);
  return assembleInput(input, given.fields, answers);
};

/** The values already given, each checked against its own field's schema, refused together. */
const refuseInvalidGivenValues = (fields: readonly InputField[], input: InputObject, hint: UsageHint): void => {
  const problems = fields.flatMap((field) => {
    const value = valueAtPath(input, field.path);
    // null clears a nullable field; the field's schema describes only its values.
    if (value === undefined || value === null) return [];
    const result = field.schema.safeParse(value);
    return result.success ? [] : [`  ${field.positional ? `<${field.name}>` : `--${field.name}`}: ${result.error.issues[0]?.message ?? 'not a valid value'}`];
  });
  if (problems.length > 0) throw new UsageError(['Some values are not valid:', ...problems].join('\n'), hint);
};

/** "Missing required flag(s): --name, --price-amount", naming arguments as `<id>`. */
export const missingMessage = (missing: readonly InputField[]): string => {
  const flags = missing.filter((field) => !field.positional).map((field) => `--${field.name}`);
  const args = missing.filter((field) => field.positional).map((field) => `<${field.name}>`);
  return [args.length > 0 && `Missing required argument(s): ${args.join(', ')}`, flags.length > 0 && `Missing required flag(s): ${flags.join(', ')}`]
    .filter(Boolean)
    .join('\n');
};

/** `--input '{"name":"Cup"}'`, `--input @product.json` or `--input -` (stdin). */
const readInputDocument = async (value: string, context: CliContext, hint: UsageHint): Promise<InputObject> => {
  if (value === '-') return parseInputDocument(await readAll(context.io.stdin), 'The JSON on stdin', hint);
  if (value.startsWith('@')) {
    const file = value.slice(1);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`Could not read --input file ${file}: ${(error as Error).message}`, hint);
    }
    return parseInputDocument(text, `The file ${file}`, hint);
  }
  return parseInputDocument(value, '--input', hint);
};
