import type { Command } from 'commander';
import type { EventTypeName, LoggedEvent, ShopClient } from '@eventshop/sdk';
import { operations } from '@eventshop/sdk/contract';
import type { CliContext } from '../../context.js';
import { CommandFailure } from '../../errors/command-failure.js';
import { CancelledError } from '../../errors/cli-errors.js';
import { globalOptionsOf } from '../../global-options.js';
import { formatValue } from '../../output/format-value.js';
import { createPrinter, type Printer } from '../../output/printer.js';
import { progressBar } from '../../output/progress-bar.js';
import { renderTable } from '../../output/table.js';
import { clientFor, loadSession } from '../../session.js';
import { interruptSignal } from '../generated/follow-stream.js';
import { callOperation } from '../generated/sdk-calls.js';
import { loadReplayScript } from '../history/load-script.js';
import { compareRows, type Row, type TableDifference } from './compare-rows.js';

type WhatIfOptions = { script: string; sample: number };

type RowsPage = { table: string; key: string[]; checkpoint: number; items: Row[]; nextAfter: string | null };

const number = new Intl.NumberFormat('en');

/** Every live row of one table, page by page, with the read model's checkpoint as of the first page and as of the last. */
const liveRows = async (client: ShopClient, name: string, table: string) => {
  const rows: Row[] = [];
  let after: string | undefined;
  let first: RowsPage | undefined;
  let last: RowsPage;
  do {
    last = (await callOperation(client, 'ops.readModels.rows', { name, table, limit: 1000, ...(after ? { after } : {}) })).data as RowsPage;
    first ??= last;
    rows.push(...last.items);
    after = last.nextAfter ?? undefined;
  } while (after !== undefined);
  return { rows, key: first.key, checkpoint: first.checkpoint, movedTo: last.checkpoint };
};

/** The script's answer: the rows its scratch copy holds, by table. */
const scratchTables = (result: unknown, script: string): Map<string, Row[]> => {
  const invalid = () =>
    new CommandFailure(`${script}'s done() must return the rows of its scratch copy by table, such as { catalog_category_stats: [{ category_id: 'kitchen', ... }] }.`);
  if (typeof result !== 'object' || result === null || Array.isArray(result)) throw invalid();
  const tables = new Map<string, Row[]>();
  for (const [table, rows] of Object.entries(result)) {
    if (!Array.isArray(rows) || !rows.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))) throw invalid();
    tables.set(table, rows as Row[]);
  }
  if (tables.size === 0) throw invalid();
  return tables;
};

const keyText = (row: Row, key: readonly string[]) => key.map((column) => `${column}=${String(row[column])}`).join(' ');

/** For people: a table of counts, then up to `sample` rows of each kind of difference. */
const renderDifferences = (differences: TableDifference[], printer: Printer): string => {
  const { presentation } = printer;
  const lines = [
    renderTable(
      differences.map(({ table, liveRows, whatIfRows, added, removed, changed }) => ({ table, live: liveRows, 'what-if': whatIfRows, added, removed, changed })),
      ['table', 'live', 'what-if', 'added', 'removed', 'changed'],
      presentation,
    ),
  ];
  const value = (data: unknown) => formatValue(data, 'value', presentation.colors).text;
  for (const difference of differences) {
    const { samples, key } = difference;
    const heading = (kind: string, shown: number, all: number) => `\n${difference.table}: ${kind} (${shown === all ? all : `${shown} of ${all}`})`;
    if (difference.added > 0) lines.push(heading('added', samples.added.length, difference.added), ...samples.added.map((row) => `  + ${JSON.stringify(row)}`));
    if (difference.removed > 0) lines.push(heading('removed', samples.removed.length, difference.removed), ...samples.removed.map((row) => `  - ${JSON.stringify(row)}`));
    if (difference.changed > 0) {
      lines.push(heading('changed', samples.changed.length, difference.changed));
      for (const change of samples.changed) {
        const columns = Object.entries(change.columns).map(([column, { live, whatIf }]) => `${column} ${value(live)} → ${value(whatIf)}`);
        lines.push(`  ~ ${keyText(change.key, key)}: ${columns.join(', ')}`);
      }
    }
  }
  return lines.join('\n');
};

/**
 * `shopctl read-models what-if`: the changed projection runs here, in this process, over the
 * log read through the API (the SDK's feed), into its own scratch copy (whatever its done()
 * returns); the live rows come through `ops.readModels.rows`. Nothing runs on the server but
 * reads, and nothing is written anywhere. Events are replayed up to the live read model's
 * checkpoint, so both sides cover the same history.
 */
export const runWhatIf = async (name: string, command: Command, context: CliContext): Promise<void> => {
  const options = command.opts<WhatIfOptions>();
  const globals = globalOptionsOf(command);
  const printer = createPrinter(context.io, context.env, globals);
  const { connection } = await loadSession(context, globals);
  const client = clientFor(connection, operations['ops.readModels.rows']);
  try {
    const script = await loadReplayScript(options.script, process.cwd());
    const declared = script.exports.handles;
    if (declared !== undefined && !(Array.isArray(declared) && declared.every((type) => typeof type === 'string'))) {
      throw new CommandFailure(`${options.script} exports handles, which must be a list of event types, such as ['ProductCreated', 'ProductPriceChanged'].`);
    }
    const scriptTypes = declared as string[] | undefined;
    if (!script.done) throw new CommandFailure(`${options.script} has no done() export: it must return the rows of its scratch copy by table.`);

    // Where the live read model stands, and what it handles: the replay goes up to there, then its rows are read.
    const probe = (await callOperation(client, 'ops.processors.list', {})).data as { items: { name: string; kind: string; checkpoint: number; handles: string[] }[] };
    const standing = probe.items.find((item) => item.name === name);
    if (!standing) throw new CommandFailure(`No read model is named ${name}; shopctl processors list shows them.`);
    if (standing.kind !== 'read-model') throw new CommandFailure(`${name} is a ${standing.kind}, not a read model: there are no rows to compare.`);
    const checkpoint = standing.checkpoint;

    // The script is given its own types (default: every event); the read is of those and the live
    // projection's, so the event at the live checkpoint is seen and the replay stops right after it.
    const types = scriptTypes && scriptTypes.length > 0 ? scriptTypes : undefined;
    const read = types ? [...new Set([...types, ...standing.handles])] : undefined;
    const { count: total } = (await callOperation(client, 'ops.events.count', types ? { types: types.join(',') } : {})).data as { count: number };
    const bar = progressBar(context.io.stderr);
    const { signal, release } = interruptSignal(context);
    const started = performance.now();
    let replayed = 0;
    try {
      if (checkpoint > 0) {
        // Every event up to the checkpoint, the live projection's types included, so the checkpoint's own event is seen.
        for await (const event of client.ops.events.read(read ? { types: read as EventTypeName[] } : {}, { signal })) {
          if (!types || types.includes(event.type)) {
            try {
              await script.handle(event as LoggedEvent);
            } catch (cause) {
              throw new CommandFailure(`${options.script} threw at position ${event.position} (${event.type}): ${(cause as Error)?.message ?? String(cause)}`, { cause });
            }
            replayed += 1;
          }
          const seconds = (performance.now() - started) / 1000;
          bar.update({ done: replayed, total, eventsPerSecond: seconds > 0 ? replayed / seconds : 0, secondsLeft: 0 });
          if (event.position === checkpoint) break;
        }
      }
    } catch (error) {
      if (signal.aborted) {
        printer.note('What-if stopped before the end (Ctrl-C); nothing was compared.');
        throw new CancelledError();
      }
      throw error;
    } finally {
      bar.clear();
      release();
    }

    const tables = scratchTables(await script.done(), options.script);
    const differences: TableDifference[] = [];
    let moved = false;
    for (const [table, rows] of tables) {
      const live = await liveRows(client, name, table);
      if (live.checkpoint !== checkpoint || live.movedTo !== checkpoint) moved = true;
      differences.push(compareRows(table, live.key, live.rows, rows, options.sample));
    }
    const equal = differences.every((difference) => difference.added === 0 && difference.removed === 0 && difference.changed === 0);
    const report = { readModel: name, script: options.script, checkpoint, replayedEvents: replayed, equal, liveMovedMeanwhile: moved, tables: differences };
    printer.result(report, () => renderDifferences(differences, printer));
    printer.note(
      printer.noteColors.dim(
        `${equal ? 'No difference' : 'Differences above'}: ${options.script} over ${number.format(replayed)} events, up to position ${checkpoint} (where the live ${name} stands). The live read model was not touched.`,
      ),
    );
    if (moved) {
      printer.note(`The live ${name} moved on while its rows were read, so some differences may be new events. For an exact comparison: shopctl processors pause ${name}, run this again, then resume.`);
    }
  } finally {
    await client.close();
  }
};
