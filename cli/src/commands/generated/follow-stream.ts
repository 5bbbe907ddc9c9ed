import type { ShopClient } from '@eventshop/sdk';
import type { OperationDefinition } from '@eventshop/sdk/contract';
import type { CliContext } from '../../context.js';
import { ExitCode } from '../../errors/exit-codes.js';
import { messageLineViewFor } from '../../output/operation-views.js';
import type { Printer } from '../../output/printer.js';
import { kebabCase } from '../../schema/flag-names.js';
import { streamMessages } from './stream-calls.js';

/**
 * Aborted on Ctrl-C (and on SIGTERM): the way a command that runs until stopped learns it should
 * stop. Tests and embedders pass their own signal in the context instead.
 */
export const interruptSignal = (context: CliContext): { signal: AbortSignal; release: () => void } => {
  if (context.interrupt) return { signal: context.interrupt, release: () => {} };
  const controller = new AbortController();
  let stoppedAt = 0;
  const stop = () => {
    // Ctrl-C reaches shopctl twice when it runs under the repository's launcher (from the terminal,
    // and forwarded): the echo must not cut the clean stop short. A Ctrl-C pressed later, while
    // stopping hangs, quits at once.
    if (controller.signal.aborted) {
      if (Date.now() - stoppedAt > 1_000) process.exit(ExitCode.cancelled);
      return;
    }
    stoppedAt = Date.now();
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    signal: controller.signal,
    // Once stopping, the handlers stay until the process exits, for the echo above.
    release: () => {
      if (controller.signal.aborted) return;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
};

/**
 * Runs a `stream` operation until Ctrl-C: one line per message as it arrives (`--json`: one
 * compact JSON object per line, written at once, so `| jq` sees each as it comes). Stopping is
 * the normal end, exit 0, with one line on stderr saying where to resume.
 */
export const followStream = async (
  definition: OperationDefinition,
  input: Record<string, unknown>,
  { client, context, printer }: { client: ShopClient; context: CliContext; printer: Printer },
): Promise<void> => {
  const { signal, release } = interruptSignal(context);
  const lineOf = messageLineViewFor(definition);
  const idField = definition.resume?.idField;
  let count = 0;
  let lastId: unknown;
  try {
    for await (const message of streamMessages(client, definition.id, input, signal)) {
      context.io.stdout.write(`${printer.json ? JSON.stringify(message) : lineOf(message, printer.presentation)}\n`);
      count++;
      if (idField) lastId = (message as Record<string, unknown>)[idField];
    }
  } finally {
    release();
  }
  if (!signal.aborted) return;
  const resume = definition.resume && lastId !== undefined ? `; resume with --${kebabCase(definition.resume.inputField)} ${String(lastId)}` : '';
  printer.note(printer.noteColors.dim(`Stopped (${count} received${resume}).`));
};
