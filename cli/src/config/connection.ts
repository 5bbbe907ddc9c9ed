import { DEFAULT_PROFILE, type Profile } from './config-file.js';

export const DEFAULT_URL = 'http://localhost:3000';

/** Where a setting came from, highest precedence first. `config list` shows it. */
export type SettingSource = 'flag' | 'env' | 'profile' | 'default';

export type ConnectionFlags = { url?: string | undefined; token?: string | undefined; apiKey?: string | undefined; profile?: string | undefined };

export type Credential = {
  kind: 'token' | 'apiKey';
  value: string;
  source: SettingSource;
  /** Known only for a token saved by `shopctl login`. */
  expiresAt?: string | undefined;
};

export type Connection = {
  profileName: string;
  profileSource: SettingSource;
  url: string;
  urlSource: SettingSource;
  credential: Credential | undefined;
};

type Candidate<T> = { value: T | undefined; source: SettingSource };

/** The environment variables that choose a profile or override its settings. */
export const ENV_VARIABLES = { profile: 'SHOPCTL_PROFILE', url: 'SHOPCTL_URL', token: 'SHOPCTL_TOKEN', apiKey: 'SHOPCTL_API_KEY' } as const;

// An empty variable (`SHOPCTL_TOKEN= shopctl ...`) means "not set", as it does for most tools.
export const present = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

const firstGiven = <T>(candidates: Candidate<T>[]): { value: T; source: SettingSource } | undefined =>
  candidates.find((candidate) => candidate.value !== undefined) as { value: T; source: SettingSource } | undefined;

export const selectProfile = (flags: ConnectionFlags, env: NodeJS.ProcessEnv): { name: string; source: SettingSource } => {
  const { value, source } = firstGiven([
    { value: present(flags.profile), source: 'flag' },
    { value: present(env[ENV_VARIABLES.profile]), source: 'env' },
    { value: DEFAULT_PROFILE, source: 'default' },
  ])!;
  return { name: value, source };
};

/**
 * Flags beat environment variables, which beat the profile, which beats the default URL.
 * Credentials are chosen as a pair: the highest level that gives a token or an API key wins whole
 * (so `--api-key` overrides a saved token), and within one level a token beats a key, as in the SDK.
 */
export const resolveConnection = (flags: ConnectionFlags, env: NodeJS.ProcessEnv, profiles: Record<string, Profile>): Connection => {
  const { name: profileName, source: profileSource } = selectProfile(flags, env);
  const profile = profiles[profileName] ?? {};
  const url = firstGiven([
    { value: present(flags.url), source: 'flag' },
    { value: present(env[ENV_VARIABLES.url]), source: 'env' },
    { value: present(profile.url), source: 'profile' },
    { value: DEFAULT_URL, source: 'default' },
  ])!;
  const levels: { token: string | undefined; apiKey: string | undefined; source: SettingSource; expiresAt?: string | undefined }[] = [
    { token: present(flags.token), apiKey: present(flags.apiKey), source: 'flag' },
    { token: present(env[ENV_VARIABLES.token]), apiKey: present(env[ENV_VARIABLES.apiKey]), source: 'env' },
    { token: present(profile.token), apiKey: present(profile.apiKey), source: 'profile', expiresAt: profile.expiresAt },
  ];
  const level = levels.find((candidate) => candidate.token !== undefined || candidate.apiKey !== undefined);
  const credential: Credential | undefined =
    level === undefined
      ? undefined
      : level.token !== undefined
        ? { kind: 'token', value: level.token, source: level.source, expiresAt: level.expiresAt }
        : { kind: 'apiKey', value: level.apiKey!, source: level.source };
  return { profileName, profileSource, url: url.value, urlSource: url.source, credential };
};
