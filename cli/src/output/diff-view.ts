import { eventLines, type EventForLine } from './event-line.js';
import type { Presentation } from './presentation.js';
import { utcTime } from './state-view.js';

/** What `ops.streams.diff` answers, as far as the view needs it. */
export type EntityDiffView = {
  streamId: string;
  from: { version: number; occurredAt: string };
  to: { version: number; occurredAt: string };
  changes: { path: string; before?: unknown; after?: unknown }[];
  events: EventForLine[];
};

/** Values as exact JSON: `"Cup"` and `null` stay apart from `Cup` and `"null"`, and control characters come out escaped. */
const literal = (value: unknown): string => JSON.stringify(value) ?? 'undefined';

/**
 * A diff as people read code diffs: `- path: before` in red and `+ path: after` in green (a field
 * that appeared has only the `+` line, one that went away only the `-`), then the events in
 * between, one per line. Without colour the `-` and `+` carry the meaning alone.
 */
export const renderEntityDiff = (diff: EntityDiffView, presentation: Presentation): string => {
  const { colors } = presentation;
  const point = (side: EntityDiffView['from']) => `version ${side.version} (${utcTime(side.occurredAt)})`;
  const lines = [`${diff.streamId}: ${point(diff.from)} → ${point(diff.to)}`, ''];
  if (diff.changes.length === 0) lines.push('No field changed.');
  for (const change of diff.changes) {
    if ('before' in change && change.before !== undefined) lines.push(colors.red(`- ${change.path}: ${literal(change.before)}`));
    if ('after' in change && change.after !== undefined) lines.push(colors.green(`+ ${change.path}: ${literal(change.after)}`));
  }
  const count = diff.events.length;
  lines.push('', count === 0 ? 'No events in between.' : `${count} event${count === 1 ? '' : 's'} in between:`);
  if (count > 0) lines.push(eventLines(diff.events, presentation));
  return lines.join('\n');
};
