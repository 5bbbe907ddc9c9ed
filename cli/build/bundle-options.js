// How shopctl is bundled, written once for both builds of it: the published one (`npm run build`,
// tsup.config.ts) and the launcher's cache inside the repository (build-cache.js).

/**
 * Bundled in, not loaded from node_modules at run time: resolving and loading zod's, commander's and
 * inquirer's many small files costs more start-up time than the whole of a `shopctl --help`
 * otherwise takes (zod alone: ~105 ms from node_modules, ~40 ms bundled). undici stays out: the
 * SDK loads it only on a first request through its default transport, which shopctl never uses.
 */
export const CLI_EXTERNAL = ['undici'];

/** Bundled CommonJS (commander, parts of inquirer) calls `require` for Node's own modules; ESM has none. */
export const CLI_BANNER = "import { createRequire as __shopctlCreateRequire } from 'node:module'; const require = __shopctlCreateRequire(import.meta.url);";

/** The SDK is bundled from its TypeScript sources, as tests and `npm start` use them. */
export const CLI_CONDITIONS = ['@eventshop/source'];

/**
 * esbuild options shared by both builds. `splitting` keeps what only some commands need (prompts,
 * the SDK client) in chunks loaded on demand. Whitespace and syntax are minified, names are not:
 * V8 parses the smaller text ~20% faster, and stack traces (`--verbose`) still name functions.
 */
export const cliBundleOptions = {
  minifyWhitespace: true,
  minifySyntax: true,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  splitting: true,
  external: CLI_EXTERNAL,
  conditions: CLI_CONDITIONS,
  banner: { js: CLI_BANNER },
  logLevel: 'warning',
};
