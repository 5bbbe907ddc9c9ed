import type { Command } from 'commander';
import { DEFAULT_URL } from './config/connection.js';

/** Options every command takes, defined once on the root so they work before or after the command name. */
export type GlobalOptions = {
  url: string | undefined;
  token: string | undefined;
  apiKey: string | undefined;
  profile: string | undefined;
  json: boolean;
  color: boolean;
  /** False with `--no-input`: never prompt. */
  prompts: boolean;
  verbose: boolean;
};

export const addGlobalOptions = (program: Command): Command =>
  program
    .option('--url <url>', `Server URL (env SHOPCTL_URL; default ${DEFAULT_URL})`)
    .option('--token <token>', 'Bearer token for this command (env SHOPCTL_TOKEN)')
    .option('--api-key <key>', 'API key for this command (env SHOPCTL_API_KEY)')
    .option('--profile <name>', 'Config profile (env SHOPCTL_PROFILE; default "default")')
    .option('--json', 'Print the result as JSON on stdout, and nothing else')
    .option('--no-color', 'No colour (also off when NO_COLOR is set or stdout is not a terminal)')
    .option('--no-input', 'Never prompt; name the missing flags and exit 2 instead')
    .option('--verbose', 'Add HTTP status and request ids to messages');

/**
 * Reads the root's options. Not `optsWithGlobals()`: a generated command's own `--input <json>`
 * shares the attribute name `input` with the root's `--no-input`, and would shadow it there.
 */
export const globalOptionsOf = (command: Command): GlobalOptions => {
  let root = command;
  while (root.parent) root = root.parent;
  const options = root.opts<Record<string, unknown>>();
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    url: text(options.url),
    token: text(options.token),
    apiKey: text(options.apiKey),
    profile: text(options.profile),
    json: options.json === true,
    color: options.color !== false,
    prompts: options.input !== false,
    verbose: options.verbose === true,
  };
};
