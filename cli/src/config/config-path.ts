import path from 'node:path';

/** $SHOPCTL_CONFIG, else $XDG_CONFIG_HOME/shopctl/config.json, else ~/.config/shopctl/config.json. */
export const configFilePath = (env: NodeJS.ProcessEnv, homeDir: string): string => {
  if (env.SHOPCTL_CONFIG) return path.resolve(env.SHOPCTL_CONFIG);
  const configHome = env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : path.join(homeDir, '.config');
  return path.join(configHome, 'shopctl', 'config.json');
};
