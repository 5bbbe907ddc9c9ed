import { operations, type OperationDefinition } from '@eventshop/sdk/contract';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { humanize } from '../../output/labels.js';
import { groupCommandName, operationCommandName } from './command-names.js';
import { operationCommand } from './operation-command.js';

export type OperationCommandOptions = {
  /** Operations a hand-written command serves better; it takes the generated command's place. */
  replacedBy?: Partial<Record<string, () => Command>>;
  /** Operations also reachable from the top level (`shopctl health` besides `shopctl system health`). */
  shortcuts?: readonly string[];
};

/**
 * The one walk over the contract: every operation becomes `shopctl <group> <name>`. A new
 * operation in the contract appears here with no change to the CLI.
 */
export const addOperationCommands = (program: Command, context: CliContext, options: OperationCommandOptions = {}): void => {
  const groups = new Map<string, Command>();
  for (const [id, definition] of Object.entries(operations) as [string, OperationDefinition][]) {
    const groupName = groupCommandName(id);
    let group = groups.get(groupName);
    if (!group) {
      group = new Command(groupName).description(`${humanize(groupName)} operations of the API.`);
      groups.set(groupName, group);
      program.addCommand(group);
    }
    const replacement = options.replacedBy?.[id];
    group.addCommand(replacement ? replacement() : operationCommand(definition, context));
  }
  for (const id of options.shortcuts ?? []) {
    const definition = (operations as Record<string, OperationDefinition>)[id];
    if (!definition) continue;
    program.addCommand(operationCommand(definition, context, `shopctl ${operationCommandName(definition)}`));
  }
  // The root's list then says what each group can do: "products  create, get, update, ...".
  for (const group of groups.values()) group.summary(group.commands.map((command) => command.name()).join(', '));
};
