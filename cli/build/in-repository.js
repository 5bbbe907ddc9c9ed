import path from 'node:path';
import { freshBuild } from './build-cache.js';

/**
 * Where the in-repository build comes from and goes. The cache sits in cli/node_modules, so the
 * bundle resolves what it leaves external (undici) as cli/src would. Inputs are everything the
 * bundle is made of: the CLI's and the SDK's sources, the CLI's package.json (its version), these
 * build files, and npm's record of installed packages (bundled dependencies change with it).
 */
export const inRepositoryBuild = async (cli) => {
  const repository = path.dirname(path.resolve(cli));
  const { url } = await freshBuild({
    entry: path.join(cli, 'src', 'bin.ts'),
    inputs: [
      path.join(cli, 'src'),
      path.join(repository, 'sdk', 'src'),
      path.join(cli, 'package.json'),
      path.join(cli, 'build'),
      path.join(repository, 'node_modules', '.package-lock.json'),
    ],
    cacheDir: path.join(cli, 'node_modules', '.cache', 'shopctl'),
    workingDir: repository,
  });
  return url;
};
