import { execFile } from 'node:child_process';
import { REPO_ROOT } from './server-process.js';

export type ShopctlResult = { code: number; stdout: string; stderr: string };

/** Runs the real `shopctl` binary as a user's shell would: no terminal, its own config file. */
export const shopctl = (args: string[], env: Record<string, string>, stdin?: string): Promise<ShopctlResult> =>
  new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [`${REPO_ROOT}/cli/bin/shopctl.js`, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin ?? '');
  });

export const json = <T = Record<string, unknown>>(result: ShopctlResult): T => {
  if (result.code !== 0) throw new Error(`shopctl failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
};
