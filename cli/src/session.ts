import { createShopClient, type ShopClient } from '@eventshop/sdk';
import type { OperationDefinition } from '@eventshop/sdk/contract';
import { loadConfig, type ConfigFile } from './config/config-file.js';
import { configFilePath } from './config/config-path.js';
import { DEFAULT_URL, ENV_VARIABLES, resolveConnection, type Connection, type SettingSource } from './config/connection.js';
import type { CliContext } from './context.js';
import { UsageError } from './errors/cli-errors.js';
import type { GlobalOptions } from './global-options.js';
import { nodeHttpTransport } from './http-transport.js';

/** Where this command's settings come from and what they resolved to. */
export type Session = { configPath: string; config: ConfigFile; connection: Connection };

export const loadSession = async (
  context: CliContext,
  globals: GlobalOptions,
  options: { mustExist: boolean } = { mustExist: true },
): Promise<Session> => {
  const configPath = configFilePath(context.env, context.homeDir);
  const config = await loadConfig(configPath);
  const connection = resolveConnection(globals, context.env, config.profiles);
  // A typo in --profile would otherwise quietly talk to localhost without credentials.
  if (options.mustExist && connection.profileSource !== 'default' && !(connection.profileName in config.profiles)) {
    const known = Object.keys(config.profiles);
    throw new UsageError(
      `There is no profile "${connection.profileName}" in ${configPath}${known.length > 0 ? ` (profiles: ${known.join(', ')})` : ''}. Create it with \`shopctl login --profile ${connection.profileName}\`.`,
    );
  }
  return { configPath, config, connection };
};

/**
 * An SDK client for one operation. Public operations (health, product reads, sign-in, sign-up) get
 * no credential at all: they need none, and a stale or revoked one in the profile must not stop
 * `shopctl health` or `shopctl login` from working. Every other operation sends the credential.
 */
export const clientFor = (connection: Connection, definition: OperationDefinition): ShopClient => {
  const credential = definition.auth === 'public' ? undefined : connection.credential;
  return createShopClient({
    baseUrl: checkedUrl(connection),
    token: credential?.kind === 'token' ? credential.value : undefined,
    apiKey: credential?.kind === 'apiKey' ? credential.value : undefined,
    transport: nodeHttpTransport(),
  });
};

/**
 * `localhost:3000` parses as a URL whose scheme is `localhost:`; left to the SDK it fails as
 * something vaguer. Say what is wrong with it and which setting it came from.
 */
export const checkedUrl = ({ url, urlSource }: Pick<Connection, 'url' | 'urlSource'>): string => {
  const from = URL_SOURCES[urlSource];
  if (!/^https?:\/\//i.test(url)) {
    const suggestion = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? '' : ` Did you mean http://${url}?`;
    throw new UsageError(`The server URL "${url}"${from} has no http:// or https:// in front.${suggestion}`);
  }
  try {
    new URL(url);
  } catch {
    throw new UsageError(`The server URL "${url}"${from} is not a URL. Use one such as ${DEFAULT_URL}.`);
  }
  return url;
};

const URL_SOURCES: Record<SettingSource, string> = {
  flag: ' (from --url)',
  env: ` (from ${ENV_VARIABLES.url})`,
  profile: ' (saved in the profile)',
  default: '',
};
