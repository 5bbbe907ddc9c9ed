import type { Command } from 'commander';
import { usageHintFor } from '../command-usage.js';
import type { CliContext } from '../../context.js';
import { CommandFailure } from '../../errors/command-failure.js';
import { CancelledError, UsageError } from '../../errors/cli-errors.js';
import { globalOptionsOf } from '../../global-options.js';
import { formatValue } from '../../output/format-value.js';
import { renderKeyValue } from '../../output/key-value.js';
import { createPrinter, type Printer } from '../../output/printer.js';
import { progressBar } from '../../output/progress-bar.js';
import { utcTime } from '../../output/state-view.js';
import { defaultColumns, renderTable } from '../../output/table.js';
import { parseInstant, INSTANT_SPELLINGS } from '../../schema/instants.js';
import type { LoggedEvent } from '@eventshop/sdk';
import { operations } from '@eventshop/sdk/contract';
import { clientFor, loadSession } from '../../session.js';
import { interruptSignal } from '../generated/follow-stream.js';
import { loadReplayScript } from './load-script.js';
import { countEvents, ReplayError, replayEvents, type EventCount, type ReplayFilter } from './replay-calls.js';

type ReplayOptions = { script: string; since?: string; until?: string; type?: string[]; streamType?: string; after?: number; dryRun?: boolean };

const number = new Intl.NumberFormat('en');

/** The feed filter the flags describe, with relative instants made exact (and said on stderr). */
const filterFrom = (options: ReplayOptions, context: CliContext, printer: Printer, command: Command): ReplayFilter => {
  const instant = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const parsed = parseInstant(text, context.now());
    if (!parsed) throw new UsageError(`--${flag} takes ${INSTANT_SPELLINGS}; got "${text}".`, usageHintFor(command));
    if (!parsed.exact) printer.note(printer.noteColors.dim(`--${flag} ${text}: using ${parsed.iso}`));
    return parsed.iso;
  };
  const filter: ReplayFilter = {
    after: options.after,
    types: options.type && options.type.length > 0 ? options.type : undefined,
    streamType: options.streamType,
    since: instant('since', options.since),
    until: instant('until', options.until),
  };
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as ReplayFilter;
};

const describeRange = (count: EventCount): string =>
  count.count === 0
    ? 'No events match.'
    : `${number.format(count.count)} event${count.count === 1 ? '' : 's'}, positions ${count.firstPosition} to ${count.lastPosition}, ${utcTime(count.firstAt!)} to ${utcTime(count.lastAt!)}.`;

/** What `done()` returned, for people: text as it is, a list of records as a table, a record as labelled lines. */
const renderResult = (result: unknown, printer: Printer): string => {
  if (result === undefined) return '';
  if (typeof result === 'string') return result;
  const { presentation } = printer;
  if (Array.isArray(result) && result.length > 0 && result.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))) {
    return renderTable(result as Record<string, unknown>[], defaultColumns(result as Record<string, unknown>[]), presentation);
  }
  if (typeof result === 'object' && result !== null && !Array.isArray(result)) return renderKeyValue(result as Record<string, unknown>, [], presentation);
  return formatValue(result, 'result', presentation.colors).text;
};

/** `shopctl replay`: count, load, replay with progress, then print the script's result and a summary. */
export const runReplay = async (command: Command, context: CliContext): Promise<void> => {
  const options = command.opts<ReplayOptions>();
  const globals = globalOptionsOf(command);
  const printer = createPrinter(context.io, context.env, globals);
  const filter = filterFrom(options, context, printer, command);
  const { connection } = await loadSession(context, globals);
  const client = clientFor(connection, operations['ops.events.list']);
  try {
    if (options.dryRun) {
      const count = await countEvents(client, filter);
      printer.result(count, () => `Would replay ${describeRange(count)}\nNothing was run (--dry-run).`);
      return;
    }
    const script = await loadReplayScript(options.script, process.cwd());
    const bar = progressBar(context.io.stderr);
    const { signal, release } = interruptSignal(context);
    let summary;
    try {
      summary = await replayEvents(client, filter, script.handle as (event: LoggedEvent) => unknown, { onProgress: (progress) => bar.update(progress), signal });
    } catch (error) {
      if (error instanceof ReplayError) {
        const reason = error.cause instanceof Error ? error.cause.message : String(error.cause);
        throw new CommandFailure(
          `${options.script} threw at position ${error.position} (${error.eventType}, event ${error.eventId}): ${reason}\nFix the script, then resume with --after ${error.position - 1}, or start again.`,
          { cause: error.cause },
        );
      }
      if (signal.aborted) {
        printer.note('Replay stopped before the end (Ctrl-C); done() was not called.');
        throw new CancelledError();
      }
      throw error;
    } finally {
      bar.clear();
      release();
    }
    const result = await script.done?.();
    if (result !== undefined) printer.result(result, () => renderResult(result, printer));
    const range = summary.firstPosition === null ? '' : ` (positions ${summary.firstPosition} to ${summary.lastPosition})`;
    printer.note(printer.noteColors.dim(`Replayed ${number.format(summary.events)} events${range} in ${summary.seconds.toFixed(1)} s, ${number.format(Math.round(summary.eventsPerSecond))} events/s.`));
  } finally {
    await client.close();
  }
};
