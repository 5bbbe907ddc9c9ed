import { LoggedEvent, type OperationDefinition, type OperationId } from '@eventshop/sdk/contract';
import { renderEntityDiff, type EntityDiffView } from './diff-view.js';
import { eventLine, eventLines, type EventForLine } from './event-line.js';
import type { Presentation } from './presentation.js';
import { progressLine } from './progress-bar.js';
import { renderEntityState, type EntityStateView } from './state-view.js';
import { renderStatus, type StatusView } from './status-view.js';

/** How one operation's answer reads better than as the generic table or labelled lines. */
export type OperationView = (data: unknown, presentation: Presentation) => string;

const eventPage = (data: unknown, presentation: Presentation) => eventLines((data as { items: EventForLine[] }).items, presentation);

/**
 * Views for the operations where a table is poor. Every other operation prints the generic way;
 * `--json` always prints the answer exactly as the server gave it.
 */
export const operationViews: Partial<Record<OperationId, OperationView>> = {
  'ops.events.list': eventPage,
  'ops.streams.events': eventPage,
  'ops.streams.state': (data, presentation) => renderEntityState(data as EntityStateView, presentation),
  'ops.streams.diff': (data, presentation) => renderEntityDiff(data as EntityDiffView, presentation),
  'system.status': (data, presentation) => renderStatus(data as StatusView, presentation),
};

/** How each message of a stream operation prints as one line, where its output schema alone does not say (see messageLineViewFor). */
export const messageLineViews: Partial<Record<OperationId, OperationView>> = {
  'ops.readModels.watch': (data) => rebuildLine(data as RebuildForLine),
};

const loggedEventLine: OperationView = (data, presentation) => eventLine(data as EventForLine, presentation);

/**
 * How each message of a stream operation prints as one line: every stream of logged events (the
 * live tail, an order's story) as the tail prints them; others by their own view, or as compact JSON.
 */
export const messageLineViewFor = (definition: Pick<OperationDefinition, 'id' | 'output'>): OperationView =>
  messageLineViews[definition.id as OperationId] ?? (definition.output === LoggedEvent ? loggedEventLine : (message: unknown) => JSON.stringify(message));

type RebuildForLine = { status: string; eventsDone: number; eventsTotal: number; eventsPerSecond: number; secondsLeft: number | null; comparison: { equal: boolean } | null; error: string | null };

/** A rebuild's progress as the replay's bar draws it, then how it ended. */
const rebuildLine = (rebuild: RebuildForLine) => {
  const bar = progressLine({ done: rebuild.eventsDone, total: rebuild.eventsTotal, eventsPerSecond: rebuild.eventsPerSecond, secondsLeft: rebuild.secondsLeft ?? 0 });
  if (rebuild.status === 'running') return `running  ${bar}`;
  if (rebuild.status === 'failed') return `failed  ${bar}  ${rebuild.error ?? ''}`.trimEnd();
  return `done  ${bar}  ${rebuild.comparison?.equal ? 'equal to the live copy row for row' : 'DIFFERED from the live copy (see the comparison)'}`;
};
