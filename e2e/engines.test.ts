import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/server-process.js';

/**
 * Node 20 is the floor (DESIGN.md §6). npm prints `EBADENGINE` when it installs a package whose
 * `engines.node` refuses the running Node, which is how cookie 2 (Node 22 only, pulled in by
 * fastify's light-my-request) slipped in. This reads package-lock.json, which records every
 * package's `engines`, so it checks what a clean `npm install` (and a partner installing the SDK or
 * the CLI tarball) will get, against every Node 20 from the declared floor, not only the one running.
 */

type Semver = { subset(sub: string, dom: string): boolean; minVersion(range: string): { version: string } | null };
// semver ships no types of its own; these two functions are all this test needs.
const semver = createRequire(import.meta.url)('semver') as Semver;

type LockEntry = {
  version?: string;
  link?: boolean;
  resolved?: string;
  engines?: { node?: string } | string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const manifest = (dir: string) =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as { engines: { node: string } };

const nodeRange = (entry: LockEntry) => (Array.isArray(entry.engines) ? undefined : entry.engines?.node);

/** Every Node 20 release a package's `engines.node` promises to run on: from its floor to the last 20.x. */
const node20From = (engines: string) => `>=${semver.minVersion(engines)!.version} <21.0.0-0`;

/** Where npm's resolution finds `name` for the package at lock key `from`: its own node_modules, then each parent's. */
const resolveIn = (from: string, name: string): string | undefined => {
  for (let base = from; ; ) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (base === '') return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent >= 0 ? base.slice(0, parent) : '';
  }
};

/** Lock keys of everything installing the workspace at `dir` pulls in at run time (no dev dependencies). */
const runtimeClosure = (dir: string): string[] => {
  const seen = new Set<string>();
  const visit = (key: string) => {
    const entry = lock.packages[key];
    if (!entry || seen.has(key)) return;
    if (entry.link && entry.resolved !== undefined) return visit(entry.resolved);
    seen.add(key);
    const names = { ...entry.peerDependencies, ...entry.optionalDependencies, ...entry.dependencies };
    for (const name of Object.keys(names)) {
      const found = resolveIn(key, name);
      if (found) visit(found);
    }
  };
  visit(dir);
  return [...seen].filter((key) => key !== dir);
};

const refusing = (keys: string[], floor: string) =>
  keys
    .map((key) => ({ key, engines: nodeRange(lock.packages[key]!) }))
    .filter(({ engines }) => engines !== undefined && !semver.subset(node20From(floor), engines))
    .map(({ key, engines }) => `${key}@${lock.packages[key]!.version} wants node ${engines}`);

describe('every installed package runs on the Node 20 floor', () => {
  it('the repository install (server, dev tools) accepts every Node 20 from the root floor', () => {
    const floor = manifest('.').engines.node;
    const everything = Object.keys(lock.packages).filter((key) => key.startsWith('node_modules/') || key.includes('/node_modules/'));
    expect(everything.length).toBeGreaterThan(100);
    expect(refusing(everything, floor)).toEqual([]);
  });

  it.each(['sdk', 'cli'])('what the %s package installs for a partner accepts every Node 20 from its own floor', (dir) => {
    const closure = runtimeClosure(dir);
    expect(closure.length).toBeGreaterThan(0);
    expect(refusing(closure, manifest(dir).engines.node)).toEqual([]);
  });

  it('the check itself refuses a Node 22 only package like cookie 2', () => {
    expect(semver.subset(node20From('>=20.19.0'), '>=22')).toBe(false);
    expect(semver.subset(node20From('>=20.19.0'), '^20.19.0 || >=22.12.0')).toBe(true);
  });
});
