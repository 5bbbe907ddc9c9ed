#!/usr/bin/env node
// shopctl launcher. Installed from npm, the CLI is compiled JavaScript in ../dist. Inside the eventshop
// repository there is no build to forget: we run the TypeScript sources with tsx, and the `@eventshop/source`
// export condition points @eventshop/sdk at its sources too. Both are node flags (--conditions,
// --import) that cannot be switched on for a process that is already running, hence a child process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

const resolveTsx = () => {
  try {
    // Resolved from here, not from the caller's directory, so `shopctl` works from anywhere.
    return import.meta.resolve('tsx');
  } catch {
    return undefined;
  }
};

const tsx = existsSync(source) ? resolveTsx() : undefined;
if (tsx === undefined) {
  await import('../dist/bin.js');
} else {
  const child = spawn(process.execPath, ['--conditions=@eventshop/source', '--import', tsx, source, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the whole terminal process group; a `kill` aimed at us alone must reach the child too.
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so the shell sees what the child saw (130 for Ctrl-C).
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}
