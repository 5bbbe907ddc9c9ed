import { z } from 'zod';

/**
 * What every string the API takes may contain, as one rule applied by `operation()` to each
 * string field of every input, so a new field cannot forget it.
 *
 * Never NUL (PostgreSQL refuses it in text and jsonb, so it could only end as a 500) and never a
 * lone UTF-16 surrogate (not Unicode: it cannot be stored or encoded as UTF-8 without changing).
 * Single-line fields (names, address lines, key names, search words...) also refuse the other C0
 * and C1 control characters, DEL and the Unicode line and paragraph separators: a name holding an
 * escape sequence would otherwise reach an operator's terminal raw. Fields marked `multiline`
 * (descriptions) may keep tab, line feed and carriage return, and nothing else from C0 or C1.
 *
 * Written without the `u` flag so the same pattern means the same thing in the OpenAPI document,
 * where JSON Schema patterns carry no flags: a surrogate is only accepted as half of a pair.
 */
export const SINGLE_LINE_TEXT = /^(?:[^\u0000-\u001F\u007F-\u009F\u2028\u2029\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;
/** Secrets (passwords): compared, never shown, so only what cannot be stored or encoded is refused. */
export const SECRET_TEXT = /^(?:[^\u0000\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;
export const MULTI_LINE_TEXT = /^(?:[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

const SINGLE_LINE_MESSAGE = 'must be one line of text, without control characters (NUL, tab, line breaks, escape codes) or broken Unicode';
const SECRET_MESSAGE = 'must not contain NUL or broken Unicode';
const MULTI_LINE_MESSAGE = 'must be text without control characters other than tab and line breaks (no NUL, no escape codes) or broken Unicode';

/**
 * Text that must say something: surrounding whitespace is dropped before anything is checked, and
 * what is left must not be empty. The `\S` pattern is how the OpenAPI document says "not blank",
 * which `minLength: 1` cannot (a string of spaces has length). `max` counts the trimmed text.
 */
export const nonBlankText = (max: number) => z.string().trim().regex(/\S/, 'must not be blank').max(max);

const multilineFields = new WeakSet<z.ZodType>();
const secretFields = new WeakSet<z.ZodType>();

/** Marks a text field that may span lines (tab, LF and CR allowed). Everything else is single-line. */
export const multiline = <Schema extends z.ZodString>(schema: Schema): Schema => {
  multilineFields.add(schema);
  return schema;
};

/**
 * Marks a secret (a password): it is never printed, and a password chosen before the text rule
 * existed (one with a tab, say) must still sign in, so only NUL and broken Unicode are refused.
 * Apply it last: `.describe()` and friends return a new schema without the mark.
 */
export const secret = <Schema extends z.ZodString>(schema: Schema): Schema => {
  secretFields.add(schema);
  return schema;
};

type Def = {
  type: string;
  format?: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
};
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
/** A copy with a new definition that keeps the original's description and examples (its registry metadata). */
const clone = (schema: z.ZodType, def: Def) =>
  (schema as unknown as { clone(def: Def, params: { parent: boolean }): z.ZodType }).clone(def, { parent: true });

/**
 * The schema with the text rule added to each string inside it; unchanged parts are kept as they
 * are (same instances), so descriptions, examples and defaults survive. Strings with a built-in
 * format (UUID, email) are left alone: their formats already admit printable ASCII only.
 */
export const withTextRules = <Schema extends z.ZodType>(schema: Schema, inMultiline = false): Schema => {
  const def = defOf(schema);
  const multi = inMultiline || multilineFields.has(schema);
  switch (def.type) {
    case 'string':
      if (def.format !== undefined) return schema;
      if (secretFields.has(schema)) return (schema as unknown as z.ZodString).regex(SECRET_TEXT, SECRET_MESSAGE) as unknown as Schema;
      return (schema as unknown as z.ZodString).regex(
        multi ? MULTI_LINE_TEXT : SINGLE_LINE_TEXT,
        multi ? MULTI_LINE_MESSAGE : SINGLE_LINE_MESSAGE,
      ) as unknown as Schema;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional': {
      const inner = withTextRules(def.innerType!, multi);
      return inner === def.innerType ? schema : (clone(schema, { ...def, innerType: inner }) as Schema);
    }
    case 'object': {
      let changed = false;
      const shape: Record<string, z.ZodType> = {};
      for (const [name, field] of Object.entries(def.shape!)) {
        shape[name] = withTextRules(field, multi);
        changed ||= shape[name] !== field;
      }
      return changed ? (clone(schema, { ...def, shape }) as Schema) : schema;
    }
    case 'array': {
      const element = withTextRules(def.element!, multi);
      return element === def.element ? schema : (clone(schema, { ...def, element }) as Schema);
    }
    case 'union': {
      const options = def.options!.map((option) => withTextRules(option, multi));
      return options.every((option, index) => option === def.options![index]) ? schema : (clone(schema, { ...def, options }) as Schema);
    }
    default:
      return schema;
  }
};
