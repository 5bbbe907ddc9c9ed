import { createShopClient, type ShopClient } from '@eventshop/sdk';
import type { OperationDefinition } from '@eventshop/sdk/contract';
import { loadConfig, type ConfigFile } from './config/config-file.js';
import { configFilePath } from './config/config-path.js';
import { hasExpired, resolveConnection, type Connection } from './config/connection.js';
import type { CliContext } from './context.js';
import { UsageError } from './errors/cli-errors.js';
import type { GlobalOptions } from './global-options.js';

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
 * An SDK client for one operation. A saved token that we know has expired is left out of public
 * operations: the server refuses a stale token even where none is needed, and `shopctl health`
 * should not fail because yesterday's login ran out.
 */
export const clientFor = (connection: Connection, definition: OperationDefinition, now: Date): ShopClient => {
  const credential = connection.credential;
  const usable = credential && !(definition.auth === 'public' && hasExpired(credential, now)) ? credential : undefined;
  return createShopClient({
    baseUrl: connection.url,
    token: usable?.kind === 'token' ? usable.value : undefined,
    apiKey: usable?.kind === 'apiKey' ? usable.value : undefined,
  });
};
