import { Command } from 'commander';
import { updateProfile, withCredential, type Profile } from '../../config/config-file.js';
import { maskSecret } from '../../config/mask-secret.js';
import type { CliContext } from '../../context.js';
import { UsageError } from '../../errors/cli-errors.js';
import { globalOptionsOf } from '../../global-options.js';
import { createPrinter } from '../../output/printer.js';
import { loadSession } from '../../session.js';
import { usageHintFor, type UsageHint } from '../command-usage.js';
import { SETTINGS, settingKey, type SettingKey } from './settings.js';

/** A profile holds one credential: saving a token drops a key, and the other way round. */
const withSetting = (profile: Profile, setting: SettingKey, value: string): Profile => {
  if (setting === 'token') return withCredential(profile, { token: value });
  if (setting === 'api-key') return withCredential(profile, { apiKey: value });
  return { ...profile, [SETTINGS[setting].field]: value };
};

/** `shopctl config set <key> <value>`: saves one setting in the profile (created if new). */
export const configSetCommand = (context: CliContext): Command =>
  new Command('set')
    .summary('Save one setting in the profile')
    .description(
      `Saves a setting in the profile chosen by --profile or SHOPCTL_PROFILE ("default" otherwise).\nKeys: ${Object.entries(SETTINGS)
        .filter(([, setting]) => setting.settable)
        .map(([key, setting]) => `${key} (${setting.about})`)
        .join(', ')}.`,
    )
    .argument('<key>', 'Setting name')
    .argument('<value>', 'New value')
    .addHelpText('after', '\nExamples:\n  shopctl config set url http://localhost:3000\n  shopctl --profile staging config set url https://staging.shop.example.com')
    .action(async (key: string, value: string, _options: unknown, command: Command) => {
      const hint = usageHintFor(command);
      const setting = settingKey(key, 'set', hint);
      if (setting === 'url') checkUrl(value, hint);
      const globals = globalOptionsOf(command);
      const printer = createPrinter(context.io, context.env, globals);
      const { configPath, connection } = await loadSession(context, globals, { mustExist: false });
      await updateProfile(configPath, connection.profileName, (profile) => withSetting(profile, setting, value));
      const shown = SETTINGS[setting].secret ? maskSecret(value) : value;
      printer.result({ profile: connection.profileName, key: setting, value: shown }, () => `Saved ${setting} = ${shown} in profile "${connection.profileName}".`);
    });

const checkUrl = (value: string, hint: UsageHint) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`"${value}" is not a URL. Use one such as http://localhost:3000.`, hint);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`Use an http:// or https:// URL, not ${url.protocol}`, hint);
};
