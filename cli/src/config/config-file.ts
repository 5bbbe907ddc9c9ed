import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What one profile remembers: where the server is and one credential for it. */
export type Profile = {
  url?: string;
  /** Bearer token from `shopctl login`. */
  token?: string;
  /** When that token stops working (ISO 8601). */
  expiresAt?: string;
  /** Who logged in, to say so in `config list`. */
  email?: string;
  /** Partner API key, instead of a token. */
  apiKey?: string;
};

export type ConfigFile = { profiles: Record<string, Profile> };

export const DEFAULT_PROFILE = 'default';

/** The file holds credentials: only its owner may read it, and only its owner may list its folder. */
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

export class ConfigFileError extends Error {}

/** An absent file is an empty configuration; a broken one is an error that names the file. */
export const loadConfig = async (file: string): Promise<ConfigFile> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new ConfigFileError(`Could not read the config file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(`The config file ${file} is not valid JSON (${(error as Error).message}). Fix it or delete it and run \`shopctl login\` again.`);
  }
  const profiles = (parsed as { profiles?: unknown } | null)?.profiles;
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) {
    throw new ConfigFileError(`The config file ${file} has no "profiles" object. Fix it or delete it and run \`shopctl login\` again.`);
  }
  return { ...(parsed as ConfigFile), profiles: profiles as Record<string, Profile> };
};

/**
 * Writes the whole file through a temporary sibling and a rename, so a crash never leaves half a
 * file, and the new file is private from the moment it exists (not chmod-ed after the fact).
 */
export const saveConfig = async (file: string, config: ConfigFile): Promise<void> => {
  await mkdir(path.dirname(file), { recursive: true, mode: DIRECTORY_MODE });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: FILE_MODE });
  // writeFile's mode is masked by the umask; make sure of 0600 whatever the umask is.
  await chmod(temporary, FILE_MODE);
  await rename(temporary, file);
};

/**
 * The one credential a profile keeps: a session (a token, with its expiry and who signed in when
 * known), an API key, or none.
 */
export type SavedCredential =
  | { token: string; expiresAt?: string | undefined; email?: string | undefined; apiKey?: never }
  | { apiKey: string; token?: never }
  | undefined;

/** A profile holds one credential: saving one drops every field of the other, and of an earlier session. */
export const withCredential = (profile: Profile, credential: SavedCredential): Profile => ({
  ...profile,
  token: undefined,
  expiresAt: undefined,
  email: undefined,
  apiKey: undefined,
  ...credential,
});

/** Loads, changes one profile and saves: the one way commands write configuration. */
export const updateProfile = async (
  file: string,
  name: string,
  change: (profile: Profile) => Profile,
): Promise<Profile> => {
  const config = await loadConfig(file);
  const updated = dropUndefined(change({ ...config.profiles[name] }));
  await saveConfig(file, { ...config, profiles: { ...config.profiles, [name]: updated } });
  return updated;
};

const dropUndefined = (profile: Profile): Profile =>
  Object.fromEntries(Object.entries(profile).filter(([, value]) => value !== undefined)) as Profile;

/** Removes one profile; answers whether it was there. */
export const deleteProfile = async (file: string, name: string): Promise<boolean> => {
  const config = await loadConfig(file);
  if (!(name in config.profiles)) return false;
  const { [name]: _removed, ...profiles } = config.profiles;
  await saveConfig(file, { ...config, profiles });
  return true;
};
