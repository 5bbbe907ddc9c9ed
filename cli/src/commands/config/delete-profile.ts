import { Command } from 'commander';
import { deleteProfile, loadConfig } from '../../config/config-file.js';
import { configFilePath } from '../../config/config-path.js';
import type { CliContext } from '../../context.js';
import { UsageError } from '../../errors/cli-errors.js';
import { globalOptionsOf } from '../../global-options.js';
import { createPrinter } from '../../output/printer.js';
import { usageHintFor } from '../command-usage.js';

/** `shopctl config delete-profile <name>`: removes a profile, its URL and its credential, from the config file. */
export const configDeleteProfileCommand = (context: CliContext): Command =>
  new Command('delete-profile')
    .summary('Remove a profile and its saved credential')
    .description('Removes the profile from the config file: its URL, token or API key and email. Nothing changes on the server.')
    .argument('<name>', 'Profile name')
    .addHelpText('after', '\nExamples:\n  shopctl config delete-profile staging')
    .action(async (name: string, _options: unknown, command: Command) => {
      const printer = createPrinter(context.io, context.env, globalOptionsOf(command));
      const configPath = configFilePath(context.env, context.homeDir);
      if (!(await deleteProfile(configPath, name))) {
        const known = Object.keys((await loadConfig(configPath)).profiles);
        throw new UsageError(`There is no profile "${name}" in ${configPath}${known.length > 0 ? ` (profiles: ${known.join(', ')})` : ''}.`, usageHintFor(command));
      }
      printer.result({ profile: name, deleted: true }, () => `Deleted profile "${name}" from ${configPath}.`);
    });
