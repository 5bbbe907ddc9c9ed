import type { OutputOf } from '@eventshop/sdk';
import { formatValue, isMoney } from './format-value.js';
import { renderKeyValue } from './key-value.js';
import type { Presentation } from './presentation.js';

const INDENT = '  ';

/** What time travel answers (`ops.streams.state`): the contract's own output type. */
export type EntityStateView = OutputOf<'ops.streams.state'>;

const isBranch = (value: unknown): value is Record<string, unknown> | unknown[] =>
  typeof value === 'object' && value !== null && !isMoney(value) && (!Array.isArray(value) || value.some((item) => typeof item === 'object' && item !== null));

/** `2026-11-24 12:00:03 UTC`. */
export const utcTime = (iso: string): string => {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : `${time.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
};

/**
 * A value as an aligned tree: keys padded to the longest at their level, nested objects (and lists
 * of objects, as `[0]`, `[1]`, ...) indented under their key, leaves formatted as everywhere else
 * (money as `12.99 USD`, scalar lists joined). Keys stay as the entity spells them, so they match
 * the paths `streams diff` prints.
 */
export const renderTree = (value: Record<string, unknown> | unknown[], presentation: Presentation, indent = ''): string => {
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, index) => [`[${index}]`, item]) : Object.entries(value);
  if (entries.length === 0) return `${indent}${presentation.colors.dim(Array.isArray(value) ? '(empty list)' : '(empty)')}`;
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries
    .map(([key, child]) => {
      if (isBranch(child)) return `${indent}${presentation.colors.bold(key)}\n${renderTree(child, presentation, indent + INDENT)}`;
      const cell = formatValue(child, key, presentation.colors, 'null');
      return `${indent}${presentation.colors.bold(key.padEnd(width))}  ${cell.paint(cell.text)}`;
    })
    .join('\n');
};

/**
 * An entity as it was: which stream, the version and the moment it reflects (and how far that is
 * from now), then its state as a tree. Scripts get `path<TAB>value` lines of the whole answer.
 */
export const renderEntityState = (answer: EntityStateView, presentation: Presentation): string => {
  if (!presentation.forPeople) return renderKeyValue(answer as unknown as Record<string, unknown>, [], presentation);
  const { colors } = presentation;
  const latest = answer.version === answer.currentVersion ? ' (the latest)' : ` of ${answer.currentVersion}`;
  const header = `${colors.bold(formatValue(answer.streamId, 'streamId', colors).text)} at version ${answer.version}${latest}, ${utcTime(answer.occurredAt)}`;
  return `${header}\n\n${renderTree(answer.state, presentation)}`;
};
