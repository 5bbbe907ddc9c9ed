/**
 * A persistent sorted map from strings to values: a treap whose nodes are never changed once
 * made. Setting or removing a key copies only the path to it (O(log n) expected) and shares the
 * rest with the map it came from, so an inventory item's state can hold thousands of open
 * reservations and still evolve per event at a cost that does not grow with them, and earlier
 * states (a batch's per-command answers, a cached state) stay valid.
 *
 * Nodes are plain JSON (objects, strings, numbers, null), so a state holding one is stored in a
 * snapshot and read back as is. Priorities come from a hash of the key, not from randomness: the
 * tree's shape depends only on the keys it holds, so `evolve` stays a pure function and the same
 * history always folds into the same structure.
 */
export type SortedMap<V> = { k: string; v: V; p: number; l: SortedMap<V> | null; r: SortedMap<V> | null } | null;

export const emptyMap = <V>(): SortedMap<V> => null;

/** FNV-1a then murmur3's finaliser, 32 bits: keys that share long prefixes (ids, padded times) still get unrelated priorities. */
const priorityOf = (key: string) => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
};

type Node<V> = NonNullable<SortedMap<V>>;

/** Heap order on (priority, key): the key breaks ties, so the shape is canonical even when hashes collide. */
const above = <V>(a: Node<V>, b: Node<V>) => a.p > b.p || (a.p === b.p && a.k < b.k);

export const getKey = <V>(map: SortedMap<V>, key: string): V | undefined => {
  let node = map;
  while (node) {
    if (key === node.k) return node.v;
    node = key < node.k ? node.l : node.r;
  }
  return undefined;
};

/** Keys below `key` on the left, the rest (key included) on the right. */
const split = <V>(map: SortedMap<V>, key: string): [SortedMap<V>, SortedMap<V>] => {
  if (!map) return [null, null];
  if (map.k < key) {
    const [l, r] = split(map.r, key);
    return [{ ...map, r: l }, r];
  }
  const [l, r] = split(map.l, key);
  return [l, { ...map, l: r }];
};

/** Every key of `a` is below every key of `b`. */
const merge = <V>(a: SortedMap<V>, b: SortedMap<V>): SortedMap<V> => {
  if (!a) return b;
  if (!b) return a;
  return above(a, b) ? { ...a, r: merge(a.r, b) } : { ...b, l: merge(a, b.l) };
};

const insert = <V>(map: SortedMap<V>, node: Node<V>): Node<V> => {
  if (!map) return node;
  if (above(node, map)) {
    const [l, r] = split(map, node.k);
    return { ...node, l, r };
  }
  return node.k < map.k ? { ...map, l: insert(map.l, node) } : { ...map, r: insert(map.r, node) };
};

const replace = <V>(map: Node<V>, key: string, value: V): Node<V> =>
  key === map.k ? { ...map, v: value } : key < map.k ? { ...map, l: replace(map.l!, key, value) } : { ...map, r: replace(map.r!, key, value) };

export const setKey = <V>(map: SortedMap<V>, key: string, value: V): SortedMap<V> =>
  getKey(map, key) !== undefined ? replace(map!, key, value) : insert(map, { k: key, v: value, p: priorityOf(key), l: null, r: null });

export const removeKey = <V>(map: SortedMap<V>, key: string): SortedMap<V> => {
  if (!map) return null;
  if (key === map.k) return merge(map.l, map.r);
  if (key < map.k) {
    const l = removeKey(map.l, key);
    return l === map.l ? map : { ...map, l };
  }
  const r = removeKey(map.r, key);
  return r === map.r ? map : { ...map, r };
};

/** Entries in key order, from the smallest, for as long as `keep` says yes. */
export const entriesWhile = <V>(map: SortedMap<V>, keep: (key: string) => boolean): [string, V][] => {
  const out: [string, V][] = [];
  const walk = (node: SortedMap<V>): boolean => {
    if (!node) return true;
    if (!walk(node.l)) return false;
    if (!keep(node.k)) return false;
    out.push([node.k, node.v]);
    return walk(node.r);
  };
  walk(map);
  return out;
};

export const entriesOf = <V>(map: SortedMap<V>) => entriesWhile(map, () => true);

export const sizeOf = <V>(map: SortedMap<V>): number => (map ? 1 + sizeOf(map.l) + sizeOf(map.r) : 0);

/** The functions `evolve` relies on, for its snapshot fingerprint. */
export const sortedMapCode = [priorityOf, above, split, merge, insert, replace, setKey, removeKey, getKey] as const;
