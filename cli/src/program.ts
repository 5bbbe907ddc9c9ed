import { Command } from 'commander';
import { LOGIN_OPERATION, loginCommand } from './commands/auth/login.js';
import { logoutCommand } from './commands/auth/logout.js';
import { formatUsageHint, usageHintFor } from './commands/command-usage.js';
import { configDeleteProfileCommand } from './commands/config/delete-profile.js';
import { configGetCommand } from './commands/config/get.js';
import { configListCommand } from './commands/config/list.js';
import { configSetCommand } from './commands/config/set.js';
import { addOperationCommands } from './commands/generated/register-operations.js';
import { replayCommand } from './commands/history/replay.js';
import { whatIfCommand } from './commands/read-models/what-if.js';
import type { CliContext } from './context.js';
import { explainError } from './errors/explain-error.js';
import { ExitCode, exitCodeFor } from './errors/exit-codes.js';
import { addGlobalOptions, globalOptionsOf } from './global-options.js';
import { terminalSafeLines } from './output/terminal-safe.js';
import { CLI_VERSION } from './version.js';

/** Operations also reachable from the top level: `shopctl health`, `shopctl ready`, `shopctl status`. */
export const SHORTCUTS = ['system.health', 'system.ready', 'system.status'] as const;

/** The whole command tree for one context: generated operation commands plus the hand-written ones. */
export const buildProgram = (context: CliContext): Command => {
  const program = addGlobalOptions(new Command('shopctl'))
    .description('Operate an eventshop server: its catalog, users, health and history, from the API contract.')
    .version(CLI_VERSION, '-V, --version', 'Print the shopctl version')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  shopctl login --url http://localhost:3000',
        '  shopctl status',
        '  shopctl products list',
        '  shopctl products create --help',
        '  shopctl streams state product-3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c --at 2h',
        '  shopctl events tail --json',
        '',
        'Exit codes: 0 ok, 1 error, 2 usage (missing or bad flag), 4 not logged in or not allowed, 130 cancelled.',
      ].join('\n'),
    );

  program.addCommand(loginCommand(context));
  program.addCommand(logoutCommand(context));
  program.addCommand(
    new Command('config')
      .summary('Read and change profile settings')
      .description('Profiles live in $SHOPCTL_CONFIG, else $XDG_CONFIG_HOME/shopctl/config.json, else ~/.config/shopctl/config.json.')
      .addCommand(configGetCommand(context))
      .addCommand(configSetCommand(context))
      .addCommand(configListCommand(context))
      .addCommand(configDeleteProfileCommand(context)),
  );
  addOperationCommands(program, context, {
    replacedBy: { [LOGIN_OPERATION]: () => loginCommand(context) },
    shortcuts: SHORTCUTS,
  });
  program.addCommand(replayCommand(context));
  // Beside the generated `read-models` commands: what-if runs the person's own projection.
  program.commands.find((command) => command.name() === 'read-models')?.addCommand(whatIfCommand(context));

  // Commander copies these settings only to subcommands it creates itself, not to added ones.
  const everyCommand = (command: Command): Command[] => [command, ...command.commands.flatMap(everyCommand)];
  for (const command of everyCommand(program)) {
    const isGroup = command.commands.length > 0;
    command
      .exitOverride()
      // Help and usage errors go where the rest of the output goes, so in-process runs capture them too.
      .configureOutput({ writeOut: (text) => context.io.stdout.write(text), writeErr: (text) => context.io.stderr.write(text) })
      .helpOption('-h, --help', 'Show help for this command')
      .configureHelp({
        // Global options matter where work happens; on every group page they would drown the command list.
        showGlobalOptions: !isGroup,
        // List `get <id>` rather than commander's `get [options] [id]`: arguments as they are really needed.
        subcommandTerm: (sub) =>
          sub.commands.length > 0 ? sub.name() : `${sub.name()} ${sub.usage().replace('[options]', '')}`.replace(/\s+/g, ' ').trim(),
      })
      .showHelpAfterError(formatUsageHint(usageHintFor(command)));
    if (isGroup) {
      command
        .helpCommand('help [command]', 'Show help for a command')
        // `shopctl` and `shopctl products` alone ask what there is: the help, on stdout, exit 0.
        // Anything else there is a command that does not exist, which stays a usage error.
        .allowExcessArguments(true)
        .action(function (this: Command) {
          if (this.args.length > 0) this.error(`error: unknown command '${this.args[0]}'`, { code: 'commander.unknownCommand' });
          this.help();
        });
    }
  }
  return program;
};

/**
 * Parses and runs one command line, answering the exit code instead of setting it, so the entry
 * point stays the only place that touches the process and tests can run commands in-process.
 */
export const runCli = async (argv: readonly string[], context: CliContext): Promise<number> => {
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    const message = explainError(error, { verbose: globalOptionsOf(program).verbose });
    // Messages quote what the server and the user said; neither may drive the terminal.
    if (message) context.io.stderr.write(`${terminalSafeLines(message)}\n`);
    return exitCodeFor(error);
  }
};
