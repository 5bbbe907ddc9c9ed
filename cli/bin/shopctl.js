#!/usr/bin/env node
// shopctl launcher. Installed from npm, the CLI is the bundled JavaScript in ../dist. Inside the
// eventshop repository it is a bundle of the TypeScript sources kept in node_modules/.cache and
// rebuilt (in a fraction of a second, by esbuild) whenever a source file changes: nothing to build
// by hand, never a stale build, and no compiler or child process on every run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('..', import.meta.url));
const entry = `${cli}src/bin.ts`;

if (!existsSync(entry)) {
  await import('../dist/bin.js');
} else {
  const { inRepositoryBuild } = await import('../build/build-cache.js');
  let url;
  try {
    url = await inRepositoryBuild(cli);
  } catch (error) {
    // esbuild has already printed what it could not compile.
    process.stderr.write(`shopctl: could not build ${entry}: ${error instanceof Error ? error.message.split('\n')[0] : error}\n`);
    process.exit(1);
  }
  await import(url);
}
