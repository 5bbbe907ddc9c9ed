import os from 'node:os';
import { ExitCode } from './errors/exit-codes.js';
import { runCli } from './program.js';

// `shopctl products list | head -1` closes the pipe early; that is the reader's choice, not our failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(ExitCode.ok);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
  env: process.env,
  homeDir: os.homedir(),
  now: () => new Date(),
});
