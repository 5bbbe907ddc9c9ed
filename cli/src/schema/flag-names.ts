/**
 * Flags the CLI defines itself on every command (connection, output, prompting) or on every
 * generated one (`--input`, `--all`). A contract field whose flag would take one of these names is
 * spelled `--input-<name>` instead, so a new field can never silently shadow `--token` or `--json`.
 */
export const RESERVED_FLAGS: ReadonlySet<string> = new Set([
  'url',
  'token',
  'api-key',
  'profile',
  'json',
  'color',
  'no-color',
  'input',
  'no-input',
  'verbose',
  'all',
  'help',
  'version',
]);

/** `price_min` → `price-min`, `expectedVersion` → `expected-version`, `userIDs` → `user-ids`. */
export const kebabCase = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .replace(/[_\s.]+/g, '-')
    .toLowerCase();

/** The flag for a field at `path` inside the input: nested objects flatten (`price.amount` → `price-amount`). */
export const flagNameFor = (path: readonly string[]): string => {
  const name = path.map(kebabCase).join('-');
  return RESERVED_FLAGS.has(name) ? `input-${name}` : name;
};
