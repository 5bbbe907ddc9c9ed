export type BuildLayout = {
  entry: string;
  inputs: string[];
  cacheDir: string;
  workingDir: string;
  esbuild?: () => Promise<typeof import('esbuild')>;
};
export declare const inputsDigest: (inputs: string[]) => string;
export declare const freshBuild: (layout: BuildLayout) => Promise<{ url: string; rebuilt: boolean }>;
export declare const inRepositoryBuild: (cli: string) => Promise<string>;
