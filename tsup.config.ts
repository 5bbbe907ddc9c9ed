import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

/**
 * Builds every package from the repo root (`npm run build`). `sdk/tsup.config.ts` and
 * `cli/tsup.config.ts` build one package each, for `npm pack` (their `prepack` runs them).
 * - sdk: what partners install; dependencies stay dependencies (zod, undici), types ship as .d.ts.
 * - cli and server: the SDK is bundled in from source, so they never need a built sdk/dist first,
 *   and their own dependencies stay external (installed beside them, never inlined).
 * Paths are absolute so each config builds the same from the root or from its package's folder.
 */

const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const dependenciesOf = (packageJson: string): string[] =>
  Object.keys((JSON.parse(readFileSync(fromRoot(packageJson), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});

const NODE: Options = { format: ['esm'], platform: 'node', target: 'node20', sourcemap: true, clean: true, tsconfig: fromRoot('tsconfig.json') };

// Workspaces resolve @eventshop/sdk through its `@eventshop/source` export condition (TypeScript in sdk/src), as tests and `npm start` do.
const bundleSdkFromSource: Pick<Options, 'noExternal' | 'esbuildOptions'> = {
  noExternal: ['@eventshop/sdk'],
  esbuildOptions(options) {
    options.conditions = ['@eventshop/source'];
  },
};

export const sdk: Options = {
  ...NODE,
  name: 'sdk',
  entry: { index: fromRoot('sdk/src/index.ts'), 'contract/index': fromRoot('sdk/src/contract/index.ts') },
  outDir: fromRoot('sdk/dist'),
  dts: true,
  // The package ships sdk/src beside the maps (see its `files`), so a map names its sources instead of copying them.
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  external: dependenciesOf('sdk/package.json'),
};

const cliEntry = fromRoot('cli/src/bin.ts');
export const cli: Options = {
  ...NODE,
  ...bundleSdkFromSource,
  name: 'cli',
  entry: { bin: cliEntry },
  outDir: fromRoot('cli/dist'),
  // The published CLI ships no sources for a map to point at; a stack trace names dist/ lines.
  sourcemap: false,
  // The SDK is inlined; what it imports (zod, undici) is among the CLI's own dependencies.
  external: dependenciesOf('cli/package.json'),
};

const server: Options = {
  ...NODE,
  ...bundleSdkFromSource,
  name: 'server',
  entry: { main: fromRoot('server/src/main.ts') },
  outDir: fromRoot('server/dist'),
  external: dependenciesOf('server/package.json').filter((name) => name !== '@eventshop/sdk'),
};

// The CLI's entry is still being written; until it exists, build the rest rather than fail the whole build.
export default defineConfig(existsSync(cliEntry) ? [sdk, cli, server] : [sdk, server]);
