import type { FieldKind, ScalarKind } from './input-fields.js';

/** A flag value that cannot be the type its field needs; the message says what would be. */
export class CoercionError extends Error {}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off']);

/**
 * Turns the text of one flag into the type its field wants. Only the type is checked here; the
 * SDK validates ranges and formats against the contract, so there is one source of those rules.
 */
export const coerceScalar = (kind: ScalarKind, text: string): unknown => {
  switch (kind.type) {
    case 'string':
      return text;
    case 'integer': {
      const trimmed = text.trim();
      if (!/^[-+]?\d+$/.test(trimmed)) throw new CoercionError(`Expected a whole number, such as 1999; got "${text}".`);
      return Number(trimmed);
    }
    case 'number': {
      const trimmed = text.trim();
      const value = Number(trimmed);
      if (trimmed === '' || !Number.isFinite(value)) throw new CoercionError(`Expected a number, such as 12.5; got "${text}".`);
      return value;
    }
    case 'boolean': {
      const word = text.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw new CoercionError(`Expected true or false; got "${text}".`);
    }
    case 'enum':
      if (!kind.choices.includes(text)) throw new CoercionError(`Expected one of ${kind.choices.join(', ')}; got "${text}".`);
      return text;
  }
};

/**
 * Coerces one occurrence of a flag. Lists accept repeats and commas alike (`--roles a,b` or
 * `--roles a --roles b`), so `previous` carries what earlier occurrences gave.
 */
export const coerceFlagValue = (kind: FieldKind, text: string, previous?: unknown): unknown => {
  switch (kind.type) {
    case 'list': {
      const items = text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map((part) => coerceScalar(kind.item, part));
      return [...(Array.isArray(previous) ? previous : []), ...items];
    }
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        throw new CoercionError(`Expected JSON, such as '{"key":"value"}'; got ${text}.`);
      }
    default:
      return coerceScalar(kind, text);
  }
};
