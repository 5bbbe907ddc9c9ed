import type * as Inquirer from '@inquirer/prompts';
import type { OperationDefinition } from '@eventshop/sdk/contract';
import type { UsageHint } from '../commands/command-usage.js';
import type { Io } from '../context.js';
import { CancelledError, UsageError } from '../errors/cli-errors.js';
import { isPromptExit } from '../errors/exit-codes.js';

/**
 * Operations the contract marks as irreversible run only once confirmed: `--yes`, or "y" at a
 * terminal. A script without `--yes` gets a usage error rather than a silent destructive call.
 */
export const confirmOperation = async (
  definition: OperationDefinition,
  options: { yes: boolean; interactive: boolean; io: Io; hint: UsageHint },
): Promise<void> => {
  if (!definition.confirm || options.yes) return;
  if (!options.interactive) throw new UsageError(`${definition.confirm} Pass --yes to confirm.`, options.hint);
  let confirmed: boolean;
  const { confirm } = await import('@inquirer/prompts');
  try {
    // Drawn on stderr like every prompt, so stdout keeps only the result.
    confirmed = await confirm({ message: definition.confirm, default: false }, { input: options.io.stdin, output: options.io.stderr });
  } catch (error) {
    if (isPromptExit(error)) throw new CancelledError();
    throw error;
  }
  if (!confirmed) throw new CancelledError();
};
