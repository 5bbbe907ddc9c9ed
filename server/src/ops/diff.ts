/** One field that differs between two states; `before`/`after` are absent where the field did not exist. */
export type FieldChange = { path: string; before?: unknown; after?: unknown };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What changed, leaf by leaf, as dotted paths (`price.amount`, `addresses.0.city`). Objects and
 * arrays are walked; anything else is compared by value. Sorted by path, so diffs read the same
 * every time.
 */
export const diffStates = (before: unknown, after: unknown, path = ''): FieldChange[] => {
  const walkable = (isPlainObject(before) && isPlainObject(after)) || (Array.isArray(before) && Array.isArray(after));
  if (!walkable) {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    return [{ path: path || '(root)', ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) }];
  }
  const left = before as Record<string, unknown>;
  const right = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return keys.flatMap((key) => {
    const child = path ? `${path}.${key}` : key;
    if (!(key in left)) return [{ path: child, after: right[key] }];
    if (!(key in right)) return [{ path: child, before: left[key] }];
    return diffStates(left[key], right[key], child);
  });
};
