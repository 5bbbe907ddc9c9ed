import type { ShopClient } from '@eventshop/sdk';
import { operations, pathParameterNames, type OperationDefinition, type OperationId } from '@eventshop/sdk/contract';
import type { CliContext } from '../../context.js';
import { CommandFailure } from '../../errors/command-failure.js';
import { groupCommandName, operationCommandName } from './command-names.js';
import type { Printer } from '../../output/printer.js';
import { progressBar } from '../../output/progress-bar.js';
import { interruptSignal } from './follow-stream.js';
import { printResult } from './print-result.js';
import { streamMessages } from './stream-calls.js';

/** What a finite progress stream's messages carry (a rebuild's progress has these fields). */
type WorkProgress = { status?: string; eventsDone?: number; eventsTotal?: number; eventsPerSecond?: number; secondsLeft?: number | null; error?: string | null };

/**
 * After a command that starts work (a rebuild, answering 202), follows the contract's
 * `followWith` stream to the end: on a terminal a progress bar on stderr, then the final state
 * printed like any answer; with `--json` one JSON object per progress message on stdout, the last
 * one the final state. A failed end is exit 1. Ctrl-C stops watching, not the work.
 */
export const followWork = async (
  command: OperationDefinition,
  input: Record<string, unknown>,
  { client, context, printer }: { client: ShopClient; context: CliContext; printer: Printer },
): Promise<void> => {
  const stream = operations[command.followWith as OperationId] as OperationDefinition;
  // The stream takes the command's path fields (`:name`), nothing else of its input.
  const streamInput = Object.fromEntries(pathParameterNames(stream.path).map((name) => [name, input[name]]));
  const { signal, release } = interruptSignal(context);
  const bar = progressBar(context.io.stderr);
  let last: WorkProgress | undefined;
  try {
    for await (const message of streamMessages(client, stream.id, streamInput, signal)) {
      last = message as WorkProgress;
      if (printer.json) context.io.stdout.write(`${JSON.stringify(message)}\n`);
      else
        bar.update({
          done: last.eventsDone ?? 0,
          total: last.eventsTotal ?? 0,
          eventsPerSecond: last.eventsPerSecond ?? 0,
          secondsLeft: last.secondsLeft ?? 0,
        });
    }
  } finally {
    bar.clear();
    release();
  }
  const again = `shopctl ${commandWords(stream)} ${Object.values(streamInput).join(' ')}`.trim();
  if (signal.aborted) {
    printer.note(printer.noteColors.dim(`Stopped watching; the work goes on in the server. Watch it again with: ${again}`));
    return;
  }
  if (last === undefined) return;
  if (!printer.json) printResult(printer, stream, last);
  if (last.status === 'failed') throw new CommandFailure(`It failed: ${last.error ?? 'no reason given'}`);
};

/** `ops.readModels.watch` → `read-models watch`, as the generated commands name it. */
const commandWords = (definition: OperationDefinition) => `${groupCommandName(definition.id)} ${operationCommandName(definition)}`;
