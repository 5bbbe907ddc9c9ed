import { EVENT_TYPE_NAMES } from '@eventshop/sdk/contract';
import { formatValue, isMoney } from './format-value.js';
import type { Presentation } from './presentation.js';

/** The fields of an event that one line shows: every event of the log has them. */
export type EventForLine = {
  position: number;
  occurredAt: string;
  type: string;
  streamId: string;
  version: number;
  data: unknown;
};

/** Type names line up in a list and in a live tail alike: the column is as wide as the longest type the contract knows. */
const TYPE_WIDTH = Math.max(...EVENT_TYPE_NAMES.map((name) => name.length));
const POSITION_WIDTH = 6;
const DATA_WIDTH = 80;

/** `2026-11-24 12:00:03`: UTC, to the second, as wide on every line. */
const eventTime = (iso: string): string => {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : time.toISOString().slice(0, 19).replace('T', ' ');
};

/**
 * The data as `key=value` pairs, short enough for one line. The field that repeats the stream's
 * own id (a product event's `productId`) is left out: the stream column already says it.
 */
export const shortData = (event: EventForLine, presentation: Presentation): string => {
  if (typeof event.data !== 'object' || event.data === null) return '';
  const ownId = event.streamId.slice(event.streamId.indexOf('-') + 1);
  const pairs = Object.entries(event.data as Record<string, unknown>)
    .filter(([, value]) => value !== ownId && value !== undefined)
    .map(([key, value]) => {
      const text = value === null ? 'null' : value === '' ? '""' : formatValue(value, key, presentation.colors).text;
      return `${key}=${typeof value === 'string' && /\s/.test(text) && !isMoney(value) ? JSON.stringify(text) : text}`;
    })
    .join(' ');
  return pairs.length > DATA_WIDTH ? `${pairs.slice(0, DATA_WIDTH - 1)}…` : pairs;
};

/**
 * One event on one line. For people: position, time (UTC), type, stream, version and the data in
 * short. For scripts: the same fields tab-separated, with the data as exact JSON, for `cut` and `jq`.
 */
export const eventLine = (event: EventForLine, presentation: Presentation, positionWidth = POSITION_WIDTH): string => {
  if (!presentation.forPeople) {
    return [event.position, event.occurredAt, event.type, event.streamId, event.version, JSON.stringify(event.data ?? null)].join('\t');
  }
  const { colors } = presentation;
  return [
    colors.dim(String(event.position).padStart(positionWidth)),
    eventTime(event.occurredAt),
    colors.bold(event.type.padEnd(TYPE_WIDTH)),
    `${formatValue(event.streamId, 'streamId', colors).text} v${event.version}`,
    shortData(event, presentation),
  ]
    .join('  ')
    .trimEnd();
};

/** A page of events: one line each, positions aligned to the widest on the page. */
export const eventLines = (events: readonly EventForLine[], presentation: Presentation): string => {
  const width = Math.max(POSITION_WIDTH, ...events.map((event) => String(event.position).length));
  return events.map((event) => eventLine(event, presentation, width)).join('\n');
};
