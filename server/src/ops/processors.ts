import type { processorOperations } from '@eventshop/sdk/contract';
import type { Pool } from '../infra/database/pool.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../infra/http/cursor.js';
import type { Handlers, RequestContext } from '../infra/http/operations.js';
import { HttpProblem, InvalidStateError, NotFoundError, RequestValidationError } from '../infra/http/problems.js';
import { logReader } from '../infra/log/log-reader.js';
import { checkpointStore } from '../infra/processors/checkpoints.js';
import { failureActions } from '../infra/processors/failures.js';
import { processorOverview, type DeclaredProcessor } from '../infra/processors/overview.js';
import { parkedStore } from '../infra/processors/parked.js';
import { readModelAt } from '../infra/processors/rebuild.js';
import { progressOf, rebuildStore } from '../infra/processors/rebuild-store.js';
import type { ModuleContext, ModuleDeclaration } from '../modules/module.js';

/** Every processor the modules declare, with the module that declares it. */
export const declaredProcessors = (modules: readonly ModuleDeclaration[], extra: readonly DeclaredProcessor[] = [], context?: ModuleContext): DeclaredProcessor[] => [
  ...modules.flatMap((module) => processorsOf(module, context).map((processor) => ({ module: module.name, processor }))),
  ...extra,
];

const processorsOf = (module: ModuleDeclaration, context: ModuleContext | undefined) => {
  if (typeof module.processors !== 'function') return module.processors ?? [];
  if (!context) throw new Error(`The processors of module ${module.name} need the module context`);
  return module.processors(context);
};

/** Column values as JSON can carry them: BIGINT arrives as bigint (Emmett's global type parser), timestamps as Date. */
const jsonRow = (row: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(row).map(([column, value]) => [
      column,
      typeof value === 'bigint' ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()) : value instanceof Date ? value.toISOString() : value,
    ]),
  );

const actor = (context: RequestContext) => (context.principal ? `${context.principal.kind}:${context.principal.id}` : 'unknown');

/** Operators' control of processors, parked failures and rebuilds. */
export const processorHandlers = (deps: { pool: Pool; processors: readonly DeclaredProcessor[] }): Handlers<keyof typeof processorOperations> => {
  const checkpoints = checkpointStore(deps.pool);
  const parked = parkedStore(deps.pool);
  const rebuilds = rebuildStore(deps.pool);
  const actions = failureActions(deps.pool, deps.processors.map((entry) => entry.processor));

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
  const readModel = (name: string) => {
    const { processor } = find(name);
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
      const processor = readModel(name);
      const { events } = await logReader(deps.pool).behind({ transactionId: '0', position: 0 }, { types: processor.handles });
      const started = await rebuilds.start(name, events);
      if (!started) throw new HttpProblem(409, 'rebuild_running', 'A rebuild is running', `${name} is being rebuilt already; follow it with GET /api/ops/read-models/${name}/rebuild.`);
      return progressOf(started);
    },

    'ops.readModels.get': async ({ name, id, at }) => {
      const processor = readModel(name);
      if (!processor.rowsOf) throw new InvalidStateError(`${name} does not say how to find one entity's rows; rebuild it or query its tables.`);
      const instant = at === undefined ? new Date() : new Date(at);
      if (Number.isNaN(instant.getTime())) throw new RequestValidationError([{ field: 'at', message: 'Give an ISO 8601 instant such as 2026-11-20T10:00:00Z' }]);
      const { rows, replayed } = await readModelAt(deps.pool, processor, id, instant);
      return { name, id, at: instant.toISOString(), replayedEvents: replayed, rows: rows.map(jsonRow) };
    },

    'ops.readModels.progress': async ({ name }) => {
      readModel(name);
      const rebuild = await rebuilds.get(name);
      if (!rebuild) throw new NotFoundError('Rebuild of', name);
      return progressOf(rebuild);
    },
  };
};
