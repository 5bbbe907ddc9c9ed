export type Log = (line: string) => void;

/** One campaign: parses its flags, runs, prints its counts, and resolves true when a target was missed. */
export type Soak = {
  name: string;
  summary: string;
  usage: string[];
  run(args: string[], log: Log): Promise<boolean>;
};

export class UsageError extends Error {}

/** `--name value` flags with numeric values; anything else is a usage error. */
export const numericFlags = <Names extends string>(args: string[], defaults: Record<Names, number>): Record<Names, number> => {
  const values = { ...defaults };
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index]!.replace(/^--/, '') as Names;
    const value = Number(args[index + 1]);
    if (!(flag in defaults) || !Number.isFinite(value) || value <= 0) throw new UsageError(`unknown flag or bad value: ${args[index]} ${args[index + 1] ?? ''}`);
    values[flag] = value;
  }
  return values;
};
