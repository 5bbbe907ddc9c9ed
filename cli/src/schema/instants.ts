import type { InputField } from './input-fields.js';

const UNITS: [pattern: RegExp, ms: number][] = [
  [/^(s|secs?|seconds?)$/, 1_000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(h|hrs?|hours?)$/, 3_600_000],
  [/^(d|days?)$/, 86_400_000],
  [/^(w|weeks?)$/, 604_800_000],
];

const DAY_MS = 86_400_000;
/** An ISO 8601 instant that names its offset: exact as written, so it is sent unchanged. */
const EXACT_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** A date or a date and time without an offset: read as UTC, the zone shopctl prints times in. */
const UTC_ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$/;
const RELATIVE = /^((\d+)\s*([a-z]+)\s*)+(ago)?$/;

const startOfUtcDay = (now: Date): number => Math.floor(now.getTime() / DAY_MS) * DAY_MS;

/**
 * The instant a person means by `text`: an ISO instant, a date (`2026-11-20`, midnight UTC), `now`,
 * `today` or `yesterday` (midnight UTC starting that day), or a time ago (`2h`, `30m`, `3d`,
 * `1w`, `1h30m`, `2 hours ago`). `exact` says whether the text already was the ISO instant sent,
 * so callers only repeat the instant back when they chose it. Undefined when it is none of these.
 */
export const parseInstant = (text: string, now: Date): { iso: string; exact: boolean } | undefined => {
  const trimmed = text.trim().replace(/^(\d{4}-\d{2}-\d{2})[t ]/i, '$1T').replace(/z$/, 'Z');
  const spelled = trimmed.toLowerCase();
  if (EXACT_ISO.test(trimmed)) return Number.isNaN(Date.parse(trimmed)) ? undefined : { iso: trimmed, exact: trimmed === text };
  const at = (ms: number) => ({ iso: new Date(ms).toISOString(), exact: false });
  if (UTC_ISO.test(trimmed)) {
    const ms = Date.parse(trimmed.includes('T') ? `${trimmed}Z` : `${trimmed}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : at(ms);
  }
  if (spelled === 'now') return at(now.getTime());
  if (spelled === 'today') return at(startOfUtcDay(now));
  if (spelled === 'yesterday') return at(startOfUtcDay(now) - DAY_MS);
  if (!RELATIVE.test(spelled)) return undefined;
  let ago = 0;
  for (const [, count, unit] of spelled.matchAll(/(\d+)\s*([a-z]+)/g)) {
    if (unit === 'ago') continue;
    const size = UNITS.find(([pattern]) => pattern.test(unit!))?.[1];
    if (size === undefined) return undefined;
    ago += Number(count) * size;
  }
  return at(now.getTime() - ago);
};

export const INSTANT_SPELLINGS = 'an ISO instant (2026-11-20T10:00:00Z), a date (2026-11-20), now, today, yesterday, or a time ago (30m, 2h, 3d, 1w)';

/** A field the contract marks as an instant (`.meta({ instant: true })`, see the contract's `Timestamp`). */
export const isInstantField = (field: InputField): boolean => (field.schema.meta() as { instant?: unknown } | undefined)?.instant === true;

/** A field's spelling on the command line, for messages: `--at`, or `<from>` for an argument. */
const spellingOf = (field: InputField) => (field.positional ? `<${field.name}>` : `--${field.name}`);

export class InstantError extends Error {}

/**
 * Turns every instant field of an input into the ISO instant it means, reading relative spellings
 * against `now`. A number stays as it is: fields that take a point in history (`diff --from 2`)
 * take a version too. Answers the input and one note per instant it worked out, for the person to
 * see which moment was used. Throws InstantError naming the field when a value is no instant.
 */
export const resolveInstants = (
  input: Record<string, unknown>,
  fields: readonly InputField[],
  now: Date,
): { input: Record<string, unknown>; notes: string[] } => {
  const notes: string[] = [];
  let resolved = input;
  for (const field of fields.filter(isInstantField)) {
    const value = valueAt(resolved, field.path);
    if (typeof value !== 'string' || /^\d+$/.test(value.trim())) continue;
    const instant = parseInstant(value, now);
    if (!instant) throw new InstantError(`${spellingOf(field)} takes ${INSTANT_SPELLINGS}; got "${value}".`);
    if (instant.exact) continue;
    resolved = withValueAt(resolved, field.path, instant.iso);
    notes.push(`${spellingOf(field)} ${value}: using ${instant.iso}`);
  }
  return { input: resolved, notes };
};

const valueAt = (input: Record<string, unknown>, path: readonly string[]): unknown =>
  path.reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), input);

const withValueAt = (input: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> => {
  const [head, ...rest] = path as [string, ...string[]];
  return { ...input, [head]: rest.length === 0 ? value : withValueAt((input[head] ?? {}) as Record<string, unknown>, rest, value) };
};
