import type { OperationDefinition } from '@eventshop/sdk/contract';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from '../../context.js';
import { CoercionError, coerceFlagValue } from '../../schema/coerce.js';
import { flagNameFor } from '../../schema/flag-names.js';
import { isInstantField } from '../../schema/instants.js';
import { choicesInDescription, inputFieldsOf, valuePlaceholder, type InputField } from '../../schema/input-fields.js';
import { groupCommandName, operationCommandName } from './command-names.js';
import { operationHelpFooter } from './operation-help.js';

/** Commander reports a bad value with our plain message in its own error format (and exit 2). */
const parserFor = (field: InputField) => (text: string, previous: unknown) => {
  try {
    return coerceFlagValue(field.kind, text, previous);
  } catch (error) {
    if (error instanceof CoercionError) throw new InvalidArgumentError(error.message);
    throw error;
  }
};

/** A flag's help line says when it is required; an argument's usage already does, but not its choices. */
const describeField = (field: InputField): string =>
  [
    field.description ?? '',
    field.kind.type === 'enum' && (field.positional || choicesInDescription(field.kind)) ? `(one of: ${field.kind.choices.join(', ')})` : '',
    !field.positional && field.required ? '(required)' : '',
    isInstantField(field) ? '(also relative: 30m, 2h, 3d, yesterday, now)' : '',
  ]
    .filter(Boolean)
    .join(' ');

/**
 * `shopctl <group> <name>` for one contract operation: path parameters as arguments, every other
 * input leaf as a kebab-case flag with its `.describe()` text, `--input` for the whole input as
 * JSON, and `--all` on paginated operations. Nothing here is specific to any one operation.
 */
export const operationCommand = (definition: OperationDefinition, context: CliContext, commandLine?: string): Command => {
  const fields = inputFieldsOf(definition);
  const positionals = fields.filter((field) => field.positional);
  const name = operationCommandName(definition);
  const command = new Command(name)
    .summary(definition.summary)
    .description([definition.summary, definition.description].filter(Boolean).join('\n\n'))
    // Arguments are declared optional so that a missing one can be prompted for or given in --input;
    // the usage line still shows them as required, which is what they are.
    .usage([...positionals.map((field) => `<${field.name}>`), '[options]'].join(' '));

  for (const field of positionals) {
    command.addArgument(new Argument(`[${field.name}]`, describeField(field)).argParser(parserFor(field)));
  }
  const fieldOptions = new Map<string, InputField>();
  for (const field of fields.filter((candidate) => !candidate.positional || candidate.alsoFlag)) {
    const value = field.kind.type === 'boolean' ? `[${valuePlaceholder(field.kind)}]` : `<${valuePlaceholder(field.kind, field.name)}>`;
    const description = field.alsoFlag ? `${field.description ?? ''} (instead of the <${field.name}> argument)`.trim() : describeField(field);
    const option = new Option(`--${flagNameFor(field.path)} ${value}`, description).argParser(parserFor(field));
    command.addOption(option);
    // `--no-phone` sends null, which a nullable field takes to mean "clear it".
    if (field.nullable && field.kind.type !== 'boolean') command.option(`--no-${field.name}`, `Clear ${field.name} (sends null)`);
    fieldOptions.set(option.attributeName(), field);
  }
  command.option('--input <json|@file|->', 'The whole input as JSON: inline, @file to read a file, - for stdin (flags override it)');
  if (definition.pagination) command.option('--all', 'Fetch every page (default: one page, with a hint for the next)');
  if (definition.confirm) command.option('-y, --yes', 'Do it without asking first (needed when not at a terminal)');
  if (definition.followWith) command.option('--detach', 'Answer as soon as the work has started, without following it to the end');

  command.addHelpText('after', operationHelpFooter(definition, fields, commandLine ?? `shopctl ${groupCommandName(definition.id)} ${name}`));
  command.action(async (...args: unknown[]) => {
    const positionalValues = args.slice(0, positionals.length);
    // Loaded when the command runs: `--help` needs none of the SDK client, output or prompts.
    const { runOperation } = await import('./run-operation.js');
    await runOperation({ definition, fields, fieldOptions, positionalValues, command, context });
  });
  return command;
};
