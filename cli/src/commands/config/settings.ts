import type { Profile } from '../../config/config-file.js';
import type { Connection, SettingSource } from '../../config/connection.js';
import { maskSecret } from '../../config/mask-secret.js';
import { UsageError } from '../../errors/cli-errors.js';
import type { UsageHint } from '../command-usage.js';

/** The keys `shopctl config` knows, as people type them, and the profile field behind each. */
export const SETTINGS = {
  url: { field: 'url', secret: false, settable: true, about: 'server URL' },
  token: { field: 'token', secret: true, settable: true, about: 'bearer token (normally saved by `shopctl login`)' },
  'api-key': { field: 'apiKey', secret: true, settable: true, about: 'partner API key, used instead of a token' },
  email: { field: 'email', secret: false, settable: false, about: 'who logged in (saved by `shopctl login`)' },
  'expires-at': { field: 'expiresAt', secret: false, settable: false, about: 'when the saved token expires' },
} as const satisfies Record<string, { field: keyof Profile; secret: boolean; settable: boolean; about: string }>;

export type SettingKey = keyof typeof SETTINGS;

export const settingKey = (key: string, purpose: 'get' | 'set', hint: UsageHint): SettingKey => {
  const known = Object.keys(SETTINGS).filter((candidate) => purpose === 'get' || SETTINGS[candidate as SettingKey].settable);
  if (!known.includes(key)) throw new UsageError(`Unknown setting "${key}". Settings you can ${purpose}: ${known.join(', ')}.`, hint);
  return key as SettingKey;
};

export type EffectiveSetting = { key: SettingKey; value: string | undefined; source: SettingSource | undefined };

/**
 * What a command run now would use for each setting, and where it comes from (flag, env,
 * profile or default). Secrets come back masked: nothing here prints a usable credential.
 */
export const effectiveSetting = (key: SettingKey, connection: Connection, profile: Profile): EffectiveSetting => {
  const credential = connection.credential;
  switch (key) {
    case 'url':
      return { key, value: connection.url, source: connection.urlSource };
    case 'token':
    case 'api-key': {
      const matches = credential?.kind === (key === 'token' ? 'token' : 'apiKey');
      return matches ? { key, value: maskSecret(credential!.value), source: credential!.source } : { key, value: undefined, source: undefined };
    }
    default: {
      const value = profile[SETTINGS[key].field];
      return { key, value, source: value === undefined ? undefined : 'profile' };
    }
  }
};
