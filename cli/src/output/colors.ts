import { Chalk, supportsColor, type ChalkInstance } from 'chalk';

export type Colors = ChalkInstance;

/**
 * Colour is for people at a terminal: never when NO_COLOR is set (to any value, even empty),
 * when `--no-color` was given, or when the stream is a pipe or a file.
 */
export const colorEnabled = (options: { env: NodeJS.ProcessEnv; colorFlag: boolean; isTTY: boolean | undefined }): boolean =>
  options.isTTY === true && options.colorFlag && options.env.NO_COLOR === undefined;

/** Our own chalk instance, so the decision above is the only one (chalk's global one guesses from argv). */
export const createColors = (enabled: boolean): Colors =>
  new Chalk({ level: enabled ? Math.max(1, supportsColor === false ? 0 : supportsColor.level) as 1 | 2 | 3 : 0 });
