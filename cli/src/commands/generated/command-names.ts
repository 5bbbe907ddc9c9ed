import { groupOf, nameOf, operations, type OperationDefinition } from '@eventshop/sdk/contract';
import { kebabCase } from '../../schema/flag-names.js';

/** `products.listByCategory` → `products`: the noun a generated command sits under. */
export const groupCommandName = (operationId: string): string => kebabCase(groupOf(operationId));

/** The verb: the contract's `cliName` when it gives one, else the operation name in kebab-case. */
export const operationCommandName = (definition: OperationDefinition): string => definition.cliName ?? kebabCase(nameOf(definition.id));

/** `shopctl products get`, or undefined when the contract has no such operation. */
export const commandLineFor = (operationId: string): string | undefined => {
  const definition = (operations as Record<string, OperationDefinition>)[operationId];
  return definition ? `shopctl ${groupCommandName(operationId)} ${operationCommandName(definition)}` : undefined;
};
