import type { processorOperations } from '@eventshop/sdk/contract';
import type { Pool } from '../infra/database/pool.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../infra/http/cursor.js';
import type { Handlers, RequestContext } from '../infra/http/operations.js';
import { HttpProblem, InvalidStateError, NotFoundError, RequestValidationError } from '../infra/http/problems.js';
import { logReader } from '../infra/log/log-reader.js';
import { checkpointStore } from '../infra/processors/checkpoints.js';
import { isEventProcessor, type ProcessorDeclaration, type ScheduledProcessor } from '../infra/processors/declaration.js';
import { failureActions } from '../infra/processors/failures.js';
import { processorOverview, type DeclaredProcessor } from '../infra/processors/overview.js';
import { parkedStore } from '../infra/processors/parked.js';
import { primaryKeyOf, readModelRows } from '../infra/processors/read-model-rows.js';
import { readModelAt } from '../infra/processors/rebuild.js';
import { progressOf, rebuildStore, type Rebuild } from '../infra/processors/rebuild-store.js';
import { sleep } from '../infra/processors/runner.js';
import type { ModuleContext, ModuleDeclaration } from '../modules/module.js';
import { rebuildInlineReadModel, type InlineReadModel } from './inline-rebuild.js';

/**
 * Every processor and scheduled task the modules declare, with the module that declares it. Tasks
 * are bound to `context` here, so the runtime runs them without knowing what a module is.
 */
export const declaredProcessors = (modules: readonly ModuleDeclaration[], context: ModuleContext, extra: readonly DeclaredProcessor[] = []): DeclaredProcessor[] =>
  checkedNames([
    ...modules.flatMap((module) => processorsOf(module, context).map((processor) => ({ module: module.name, processor }))),
    ...modules.flatMap((module) =>
      (module.scheduledTasks ?? []).map((task) => {
        const processor: ScheduledProcessor = { kind: 'scheduled', name: task.name, intervalMs: task.intervalMs, tick: () => task.tick(context) };
        return { module: module.name, processor };
      }),
    ),
    ...extra,
  ]);

/** One name each, spelled as the ops routes take it: a task named `a-b` could never be paused. */
const checkedNames = (declared: DeclaredProcessor[]): DeclaredProcessor[] => {
  const seen = new Set<string>();
  for (const { module, processor } of declared) {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(processor.name)) throw new Error(`${module}: processor or task name "${processor.name}" must be lowercase letters, digits and underscores`);
    if (seen.has(processor.name)) throw new Error(`${module}: processor or task name "${processor.name}" is declared twice`);
    seen.add(processor.name);
  }
  return declared;
};

/** A module's processors; a function of the context when they act through the module's services. */
const processorsOf = (module: ModuleDeclaration, context: ModuleContext): readonly ProcessorDeclaration[] =>
  typeof module.processors === 'function' ? module.processors(context) : (module.processors ?? []);

/** Column values as JSON can carry them: BIGINT arrives as bigint (Emmett's global type parser), timestamps as Date. */
const jsonRow = (row: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(row).map(([column, value]) => [
      column,
      typeof value === 'bigint' ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()) : value instanceof Date ? value.toISOString() : value,
    ]),
  );

/**
 * The rebuild's state now, then again every `intervalMs` while it runs, ending with the message
 * that shows it finished (or failed): each one read from its row, so every instance answers the
 * same whichever one runs the rebuild.
 */
async function* watchRebuild(read: () => Promise<Rebuild | undefined>, first: Rebuild, intervalMs: number, signal: AbortSignal) {
  let current: Rebuild | undefined = first;
  while (current && !signal.aborted) {
    yield progressOf(current);
    if (current.status !== 'running') return;
    await sleep(intervalMs, signal);
    if (signal.aborted) return;
    current = await read();
  }
}

const actor = (context: RequestContext) => (context.principal ? `${context.principal.kind}:${context.principal.id}` : 'unknown');

/** Operators' control of processors, parked failures and rebuilds. */
export const processorHandlers = (deps: {
  pool: Pool;
  processors: readonly DeclaredProcessor[];
  /** Read models kept inline with appends: rebuilt at once, in one transaction (ops/inline-rebuild.ts). */
  inlineReadModels?: readonly InlineReadModel[];
}): Handlers<keyof typeof processorOperations> => {
  const checkpoints = checkpointStore(deps.pool);
  const parked = parkedStore(deps.pool);
  const rebuilds = rebuildStore(deps.pool);
  const actions = failureActions(deps.pool, deps.processors.map((entry) => entry.processor).filter(isEventProcessor));

  const find = (name: string) => {
    const entry = deps.processors.find((candidate) => candidate.processor.name === name);
    if (!entry) throw new NotFoundError('Processor', name);
    return entry;
  };
  const statusOf = async (name: string) => {
    const entry = find(name);
    // A processor whose instance never started has no checkpoint yet; pausing it must still stick.
    await checkpoints.ensure([name]);
    return (await processorOverview(deps.pool, [entry]))[0]!;
  };
  const inline = (name: string) => deps.inlineReadModels?.find((readModel) => readModel.name === name);
  const readModel = (name: string) => {
    const { processor } = find(name);
    if (processor.kind === 'scheduled') throw new InvalidStateError(`${name} is a scheduled task: it keeps no read model to rebuild.`);
    if (processor.kind !== 'read-model') throw new InvalidStateError(`${name} is a reactor: reactors have side effects and are never replayed.`);
    return processor;
  };

  return {
    'ops.processors.list': async () => ({ items: await processorOverview(deps.pool, deps.processors) }),

    'ops.processors.pause': async ({ name }) => {
      find(name);
      await checkpoints.ensure([name]);
      await checkpoints.setPaused(name, true);
      return statusOf(name);
    },

    'ops.processors.resume': async ({ name }) => {
      find(name);
      await checkpoints.ensure([name]);
      await checkpoints.setPaused(name, false);
      return statusOf(name);
    },

    'ops.failures.list': async ({ processor, status, limit, cursor }) => {
      const pageSize = limit ?? DEFAULT_PAGE_SIZE;
      const beforeId = cursor === undefined ? undefined : (decodeCursor(cursor, ['number'])[0] as number);
      const rows = await parked.list({ processor, status, beforeId, limit: pageSize + 1 });
      const more = rows.length > pageSize;
      const items = more ? rows.slice(0, pageSize) : rows;
      return { items, nextCursor: more ? encodeCursor([items[items.length - 1]!.id]) : null };
    },

    'ops.failures.get': async ({ id }) => {
      const failure = await parked.get(Number(id));
      if (!failure) throw new NotFoundError('Failure', String(id));
      return failure;
    },

    'ops.failures.retry': async ({ id }, context) => {
      const outcome = await actions.retry(Number(id), actor(context));
      if (outcome.error !== undefined) {
        throw new HttpProblem(409, 'retry_failed', 'The retry failed', `The handler failed again and the event stays parked: ${outcome.error}`);
      }
      return outcome.failure;
    },

    'ops.failures.skip': async ({ id, reason }, context) => actions.skip(Number(id), reason, actor(context)),

    'ops.readModels.rebuild': async ({ name }) => {
      const inlineModel = inline(name);
      if (inlineModel) {
        // Done when this answers: the rebuild is one transaction, which also records it.
        await rebuildInlineReadModel(deps.pool, inlineModel, { switchIn: true });
        return progressOf((await rebuilds.get(name))!);
      }
      const processor = readModel(name);
      const { events } = await logReader(deps.pool).behind({ transactionId: '0', position: 0 }, { types: processor.handles });
      const started = await rebuilds.start(name, events);
      if (!started) throw new HttpProblem(409, 'rebuild_running', 'A rebuild is running', `${name} is being rebuilt already; follow it with GET /api/ops/read-models/${name}/rebuild.`);
      return progressOf(started);
    },

    'ops.readModels.rows': async ({ name, table, after, limit }) => {
      const processor = readModel(name);
      if (!processor.tables.includes(table)) throw new NotFoundError(`Table of ${name}`, table);
      const key = await primaryKeyOf(deps.pool, table);
      if (key.length === 0) throw new InvalidStateError(`${table} has no primary key, so its rows cannot be paged or matched.`);
      const page = await readModelRows(deps.pool, { processor: name, table, key, after, limit: limit ?? 500 });
      return { table, key: key.map((column) => column.name), ...page };
    },

    'ops.readModels.get': async ({ name, id, at }) => {
      const processor = readModel(name);
      if (!processor.rowsOf) throw new InvalidStateError(`${name} does not say how to find one entity's rows; rebuild it or query its tables.`);
      const instant = at === undefined ? new Date() : new Date(at);
      if (Number.isNaN(instant.getTime())) throw new RequestValidationError([{ field: 'at', message: 'Give an ISO 8601 instant such as 2026-11-20T10:00:00Z' }]);
      const { rows, replayed } = await readModelAt(deps.pool, processor, id, instant);
      return { name, id, at: instant.toISOString(), replayedEvents: replayed, rows: rows.map(jsonRow) };
    },

    'ops.readModels.watch': async ({ name, interval }, { signal }) => {
      if (!inline(name)) readModel(name);
      // Checked before the stream opens, so a read model never rebuilt is a plain 404.
      const first = await rebuilds.get(name);
      if (!first) throw new NotFoundError('Rebuild of', name);
      return watchRebuild(() => rebuilds.get(name), first, interval ?? 1000, signal);
    },

    'ops.readModels.progress': async ({ name }) => {
      if (!inline(name)) readModel(name);
      const rebuild = await rebuilds.get(name);
      if (!rebuild) throw new NotFoundError('Rebuild of', name);
      return progressOf(rebuild);
    },
  };
};
