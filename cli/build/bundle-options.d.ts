export declare const CLI_EXTERNAL: string[];
export declare const CLI_BANNER: string;
export declare const CLI_CONDITIONS: string[];
export declare const cliBundleOptions: import('esbuild').BuildOptions;
