import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { globalOptionsOf } from '../../global-options.js';
import { createPrinter } from '../../output/printer.js';
import { loadSession } from '../../session.js';
import { usageHintFor } from '../command-usage.js';
import { SETTINGS, effectiveSetting, settingKey } from './settings.js';

/** `shopctl config get <key>`: the value a command would use now (flags, env, profile, default), secrets masked. */
export const configGetCommand = (context: CliContext): Command =>
  new Command('get')
    .summary('Print one setting')
    .description(`Prints the value commands would use now, after flags, environment and profile. Secrets are masked.\nKeys: ${Object.keys(SETTINGS).join(', ')}.`)
    .argument('<key>', 'Setting name')
    .addHelpText('after', '\nExamples:\n  shopctl config get url\n  shopctl --profile staging config get url')
    .action(async (key: string, _options: unknown, command: Command) => {
      const globals = globalOptionsOf(command);
      const printer = createPrinter(context.io, context.env, globals);
      const { config, connection } = await loadSession(context, globals, { mustExist: false });
      const setting = effectiveSetting(settingKey(key, 'get', usageHintFor(command)), connection, config.profiles[connection.profileName] ?? {});
      printer.result(setting, () => setting.value ?? '');
      if (setting.value === undefined && !printer.json) printer.note(`${setting.key} is not set in profile "${connection.profileName}".`);
    });
