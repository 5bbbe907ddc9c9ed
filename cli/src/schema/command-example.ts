import { EXPECTED_VERSION_FIELD } from '@eventshop/sdk/contract';
import type { InputField } from './input-fields.js';

/** Quotes a value for a POSIX shell only when it needs it, so examples copy and paste. */
export const shellQuote = (text: string): string => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

const placeholder = (field: InputField): string =>
  field.kind.type === 'enum' ? (field.kind.choices[0] ?? field.name) : `<${field.name}>`;

const spell = (field: InputField): string[] => {
  const value = field.example === undefined ? placeholder(field) : shellQuote(typeof field.example === 'string' ? field.example : JSON.stringify(field.example));
  return field.positional ? [value] : [`--${field.name}`, value];
};

/**
 * The arguments of a typical call, built from the contract's examples: every required field and,
 * when no flag is required (an update, a filtered list) and `withOptional` allows, the first
 * optional flag that has an example. Never `--expected-version`: a fixed version is stale on
 * anything but a brand-new entity, and the example must run as printed.
 */
export const exampleArguments = (fields: readonly InputField[], { withOptional = true } = {}): string[] => {
  const required = fields.filter((field) => field.required);
  const optional = fields.filter((field) => !field.required && !field.positional && field.example !== undefined && field.path[0] !== EXPECTED_VERSION_FIELD);
  const chosen = !withOptional || required.some((field) => !field.positional) ? required : [...required, ...optional.slice(0, 1)];
  const ordered = [...chosen.filter((field) => field.positional), ...chosen.filter((field) => !field.positional)];
  return ordered.flatMap(spell);
};
