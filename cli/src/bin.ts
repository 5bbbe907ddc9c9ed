import { CLI_VERSION } from './version.js';

// `shopctl products list | head -1` closes the pipe early; that is the reader's choice, not our failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const argv = process.argv.slice(2);
// Scripts ask for the version to check what is installed: answer before loading the command tree,
// which needs the whole contract (zod) and commander.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${CLI_VERSION}\n`);
} else {
  const [{ runCli }, os] = await Promise.all([import('./program.js'), import('node:os')]);
  process.exitCode = await runCli(argv, {
    io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
    env: process.env,
    homeDir: os.homedir(),
    now: () => new Date(),
  });
}
