import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CommandFailure } from '../../errors/command-failure.js';

/** What a replay script exports: a handler for each event, and optionally `done()` for the result. */
export type ReplayScript = {
  handle: (event: unknown) => unknown;
  done: (() => unknown) | undefined;
  /** Everything the module exports, for commands that read more of it (what-if's `handles`). */
  exports: Record<string, unknown>;
};

const TYPESCRIPT = /\.[cm]?tsx?$/i;
// In a variable, so a bundler leaves it as a run-time import: tsx is found where it is installed, never inlined.
const TSX_API = 'tsx/esm/api';

type TsImport = (specifier: string, parent: string) => Promise<Record<string, unknown>>;

/** tsx's programmatic import, from shopctl's own installation or else from the script's project. */
const findTsImport = async (file: string): Promise<TsImport | undefined> => {
  const load = async (specifier: string) => ((await import(specifier)) as { tsImport?: TsImport }).tsImport;
  try {
    return await load(TSX_API);
  } catch {
    try {
      return await load(pathToFileURL(createRequire(file).resolve(TSX_API)).href);
    } catch {
      return undefined;
    }
  }
};

/**
 * A TypeScript file outside an ESM package (no `"type": "module"` near it) is compiled to CommonJS,
 * and importing it puts all of its exports under `default`: look for them there too.
 */
const scriptExports = (module: Record<string, unknown>): Record<string, unknown> => {
  const inner = module.default;
  if (typeof inner === 'object' && inner !== null && typeof (inner as Record<string, unknown>).default === 'function') return inner as Record<string, unknown>;
  return module;
};

/**
 * Loads the user's replay script: JavaScript as it is, TypeScript through tsx. Its default export
 * gets each event; an optional `done` export answers the result.
 */
export const loadReplayScript = async (given: string, cwd: string): Promise<ReplayScript> => {
  const file = path.resolve(cwd, given);
  try {
    await access(file);
  } catch {
    throw new CommandFailure(`There is no script at ${file}. Pass the path of a .ts or .js module: shopctl replay --script ./my-report.ts`);
  }
  let module: Record<string, unknown>;
  try {
    if (TYPESCRIPT.test(file)) {
      const tsImport = await findTsImport(file);
      if (!tsImport) {
        throw new CommandFailure(
          `${given} is TypeScript, and running TypeScript needs tsx, which shopctl cannot find here. Install it in your project (npm install --save-dev tsx), or pass a JavaScript (.js, .mjs) script.`,
        );
      }
      module = await tsImport(pathToFileURL(file).href, import.meta.url);
    } else {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    }
  } catch (error) {
    if (error instanceof CommandFailure) throw error;
    throw new CommandFailure(`Could not load ${given}: ${(error as Error).message}`, { cause: error });
  }
  const exports = scriptExports(module);
  const handle = exports.default;
  if (typeof handle !== 'function') {
    throw new CommandFailure(`${given} has no default export to give the events to. Export a function: export default (event: LoggedEvent) => { ... }`);
  }
  const done = exports.done;
  return { handle: handle as ReplayScript['handle'], done: typeof done === 'function' ? (done as () => unknown) : undefined, exports };
};
