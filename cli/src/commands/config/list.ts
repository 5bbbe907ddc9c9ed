import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { globalOptionsOf } from '../../global-options.js';
import { createPrinter } from '../../output/printer.js';
import { renderTable } from '../../output/table.js';
import { loadSession } from '../../session.js';
import { SETTINGS, effectiveSetting, type SettingKey } from './settings.js';

/** `shopctl config list`: every setting with the value in use and where it comes from. */
export const configListCommand = (context: CliContext): Command =>
  new Command('list')
    .summary('Show every setting, its value and where it comes from')
    .description('Shows the settings commands would use now and the source of each (flag, env, profile or default). Secrets are masked.')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalOptionsOf(command);
      const printer = createPrinter(context.io, context.env, globals);
      const { configPath, config, connection } = await loadSession(context, globals, { mustExist: false });
      const profile = config.profiles[connection.profileName] ?? {};
      const settings = (Object.keys(SETTINGS) as SettingKey[]).map((key) => effectiveSetting(key, connection, profile));
      const profiles = Object.keys(config.profiles);
      printer.result({ configFile: configPath, profile: connection.profileName, profiles, settings }, () =>
        [
          `Profile "${connection.profileName}" (${connection.profileSource === 'default' ? 'the default' : `from ${connection.profileSource}`}) in ${configPath}`,
          '',
          renderTable(settings, ['key', 'value', 'source'], printer.presentation),
          ...(profiles.length > 1 ? ['', `Profiles: ${profiles.join(', ')}`] : []),
        ].join('\n'),
      );
    });
