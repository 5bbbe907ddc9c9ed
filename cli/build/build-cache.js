// The in-repository shopctl runs a bundle of its TypeScript sources, rebuilt whenever they change,
// so there is no build step to forget and no compiler on every run (tsx took ~1 s per command).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Builds older than this are removed by the next rebuild; a run that started from one has long finished loading it. */
const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;

const isBuildInput = (name) => !name.endsWith('.test.ts') && !name.endsWith('.int.test.ts');

/**
 * What the bundle was built from, as one digest: every input file's path, modification time and
 * size, and each folder's list of names (so an added, deleted or renamed file counts). Any change,
 * even to an older time (a `git checkout` of an old revision), gives another digest and a rebuild.
 * Test files are not part of the bundle, so adding or editing one changes nothing.
 */
export const inputsDigest = (inputs) => {
  const hash = createHash('sha1');
  const visit = (entry) => {
    let stats;
    try {
      stats = statSync(entry);
    } catch {
      hash.update(`${entry}:absent\n`);
      return;
    }
    if (!stats.isDirectory()) {
      hash.update(`${entry}:${stats.mtimeMs}:${stats.size}\n`);
      return;
    }
    const names = readdirSync(entry).filter(isBuildInput).sort();
    hash.update(`${entry}/:${names.join('/')}\n`);
    for (const name of names) visit(path.join(entry, name));
  };
  for (const input of inputs) visit(input);
  return hash.digest('hex');
};

const readStamp = (stampFile) => {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
};

/**
 * The URL of a bundle of `entry` built from the current `inputs`: the cached one when the inputs
 * are unchanged since it was built, else a new one. Each build goes to a folder of its own and the
 * stamp naming it is replaced by a rename, so concurrent runs never load half a build; at worst two
 * runs that both saw stale inputs both build, and the last stamp wins.
 *
 * @param {{ entry: string, inputs: string[], cacheDir: string, workingDir: string, esbuild?: () => Promise<typeof import('esbuild')> }} layout
 */
export const freshBuild = async ({ entry, inputs, cacheDir, workingDir, esbuild = () => import('esbuild') }) => {
  const stampFile = path.join(cacheDir, 'current.json');
  // Taken before building: an edit made during the build changes the digest, so the next run rebuilds.
  const digest = inputsDigest(inputs);
  const stamp = readStamp(stampFile);
  const output = (folder) => path.join(cacheDir, folder, `${path.basename(entry, path.extname(entry))}.js`);
  if (stamp?.digest === digest && statSync(output(stamp.folder), { throwIfNoEntry: false })) {
    return { url: pathToFileURL(output(stamp.folder)).href, rebuilt: false };
  }
  const folder = `${Date.now()}-${process.pid}`;
  // Loaded only to rebuild: every module the launcher imports on the way is start-up time of every run.
  const [{ build }, { cliBundleOptions }] = await Promise.all([esbuild(), import('./bundle-options.js')]);
  await build({ ...cliBundleOptions, entryPoints: [entry], outdir: path.join(cacheDir, folder), absWorkingDir: workingDir });
  const temporary = `${stampFile}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ digest, folder }));
  renameSync(temporary, stampFile);
  removeOldBuilds(cacheDir, folder);
  return { url: pathToFileURL(output(folder)).href, rebuilt: true };
};

const removeOldBuilds = (cacheDir, current) => {
  for (const name of readdirSync(cacheDir)) {
    const folder = path.join(cacheDir, name);
    if (name === current || !/^\d+-\d+$/.test(name)) continue;
    try {
      if (Date.now() - statSync(folder).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(folder, { recursive: true, force: true });
    } catch {
      // Another run removed it first.
    }
  }
};

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
