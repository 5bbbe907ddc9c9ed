import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailure } from '../../errors/command-failure.js';
import { loadReplayScript } from './load-script.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'replay-script-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe('loading a replay script', () => {
  it('gives the default export and done() of a JavaScript module', async () => {
    await writeFile(path.join(directory, 'count.mjs'), 'let n = 0;\nexport default () => { n++; };\nexport const done = () => n;\n');
    const script = await loadReplayScript('count.mjs', directory);
    script.handle({});
    script.handle({});
    expect(script.done?.()).toBe(2);
  });

  it('runs TypeScript through tsx', async () => {
    await writeFile(path.join(directory, 'typed.ts'), 'const seen: string[] = [];\nexport default (event: { type: string }): void => { seen.push(event.type); };\nexport function done(): string[] { return seen; }\n');
    const script = await loadReplayScript('typed.ts', directory);
    script.handle({ type: 'ProductCreated' });
    expect(script.done?.()).toEqual(['ProductCreated']);
  });

  it('says plainly when the file is missing or has no default export', async () => {
    await expect(loadReplayScript('nowhere.ts', directory)).rejects.toThrow(/There is no script at .*nowhere\.ts/);
    await writeFile(path.join(directory, 'no-default.mjs'), 'export const done = () => 1;\n');
    const failure = loadReplayScript('no-default.mjs', directory);
    await expect(failure).rejects.toBeInstanceOf(CommandFailure);
    await expect(failure).rejects.toThrow('no-default.mjs has no default export to give the events to. Export a function: export default (event: LoggedEvent) => { ... }');
  });

  it('names the script when it cannot be loaded', async () => {
    await writeFile(path.join(directory, 'broken.mjs'), 'export default (;\n');
    await expect(loadReplayScript('broken.mjs', directory)).rejects.toThrow(/^Could not load broken\.mjs: /);
  });
});
