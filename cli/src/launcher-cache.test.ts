import { mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshBuild } from '../build/build-cache.js';

/**
 * The launcher's build cache on a project of its own (two source files in a temporary folder), so
 * the test can edit, delete and back-date sources without touching the real ones.
 */
let folder: string;
let layout: Parameters<typeof freshBuild>[0];

const write = (name: string, text: string) => writeFile(path.join(folder, 'src', name), text);
/** Runs the bundle the cache hands out and answers what it exported. */
const run = async () => {
  const { url, rebuilt } = await freshBuild(layout);
  const module = (await import(/* @vite-ignore */ url)) as { answer: string };
  return { answer: module.answer, rebuilt, url };
};

beforeEach(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'shopctl-cache-'));
  await import('node:fs/promises').then(({ mkdir }) => mkdir(path.join(folder, 'src')));
  await write('bin.ts', "import { word } from './word.js';\nexport const answer: string = `say ${word}`;\n");
  await write('word.ts', "export const word = 'one';\n");
  layout = { entry: path.join(folder, 'src', 'bin.ts'), inputs: [path.join(folder, 'src')], cacheDir: path.join(folder, 'cache'), workingDir: folder };
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('the launcher’s build cache', () => {
  it('builds on first use and reuses the build while no source changed', async () => {
    const first = await run();
    expect(first).toMatchObject({ answer: 'say one', rebuilt: true });
    const second = await run();
    expect(second).toMatchObject({ answer: 'say one', rebuilt: false, url: first.url });
  });

  it('rebuilds when a file the entry imports changes', async () => {
    await run();
    await write('word.ts', "export const word = 'two';\n");
    expect(await run()).toMatchObject({ answer: 'say two', rebuilt: true });
  });

  it('rebuilds when a source gets an older modification time, as a checkout of an old revision gives it', async () => {
    await run();
    await write('word.ts', "export const word = 'old';\n");
    const past = new Date('2020-01-01T00:00:00Z');
    await utimes(path.join(folder, 'src', 'word.ts'), past, past);
    expect(await run()).toMatchObject({ answer: 'say old', rebuilt: true });
  });

  it('rebuilds when a file is added or removed, and fails rather than serve a build of sources that are gone', async () => {
    await run();
    await write('extra.ts', 'export {};\n');
    expect((await run()).rebuilt).toBe(true);
    await unlink(path.join(folder, 'src', 'word.ts'));
    await expect(freshBuild(layout)).rejects.toThrow(/word/);
  });

  it('ignores test files, which are not part of the bundle', async () => {
    await run();
    await write('word.test.ts', 'export {};\n');
    expect((await run()).rebuilt).toBe(false);
  });
});
