import { describe, expect, it } from 'vitest';
import { emptyMap, entriesOf, entriesWhile, getKey, removeKey, setKey, sizeOf, type SortedMap } from './sorted-map.js';

const build = (keys: string[]) => keys.reduce<SortedMap<number>>((map, key, i) => setKey(map, key, i), emptyMap());
const depth = (map: SortedMap<unknown>): number => (map ? 1 + Math.max(depth(map.l), depth(map.r)) : 0);
const nodes = (map: SortedMap<unknown>, into = new Set<object>()) => {
  if (map) {
    into.add(map);
    nodes(map.l, into);
    nodes(map.r, into);
  }
  return into;
};

describe('sorted map', () => {
  const keys = Array.from({ length: 5000 }, (_, i) => `order-${(i * 7919) % 5000}`);

  it('holds, finds, replaces and removes keys, and lists them in order', () => {
    let map = build(keys);
    expect(sizeOf(map)).toBe(5000);
    expect(getKey(map, 'order-42')).toBe(keys.indexOf('order-42'));
    map = setKey(map, 'order-42', -1);
    expect(getKey(map, 'order-42')).toBe(-1);
    expect(sizeOf(map)).toBe(5000);
    map = removeKey(map, 'order-42');
    expect(getKey(map, 'order-42')).toBeUndefined();
    expect(entriesOf(map).map(([key]) => key)).toEqual(keys.filter((key) => key !== 'order-42').sort());
    expect(entriesWhile(map, (key) => key < 'order-1000').map(([key]) => key)).toEqual(['order-0', 'order-1', 'order-10', 'order-100']);
  });

  it('stays shallow, so a change costs a path and not the map', () => {
    const map = build(keys);
    expect(depth(map)).toBeLessThan(40);
    const before = nodes(map);
    const after = setKey(map, 'order-new', 1);
    const fresh = [...nodes(after)].filter((node) => !before.has(node));
    expect(fresh.length).toBeLessThan(40);
    // The map it came from is untouched.
    expect(getKey(map, 'order-new')).toBeUndefined();
    expect(sizeOf(map)).toBe(5000);
  });

  it('has one shape for one set of keys, whatever the order they came in (a pure fold, snapshots compare equal)', () => {
    const forwards = build(keys);
    const backwards = build([...keys].reverse());
    expect(JSON.stringify(forwards).length).toBeGreaterThan(0);
    const strip = (map: SortedMap<number>): unknown => map && { k: map.k, l: strip(map.l), r: strip(map.r) };
    expect(strip(backwards)).toEqual(strip(forwards));
    expect(JSON.parse(JSON.stringify(forwards))).toEqual(forwards);
  });
});
