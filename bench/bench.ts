import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Log } from './format.js';

export type BenchContext = { databaseUrl: string; log: Log };

export type Bench = {
  name: string;
  summary: string;
  usage: string[];
  /** Checks the flags before any database starts, and returns the run they describe. */
  prepare(args: string[]): (context: BenchContext) => Promise<void>;
};

/** Bad flags: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Flags are declared as single strings or booleans, so that is all a value can be. */
export type Flags = Record<string, string | boolean | undefined>;

export const parseFlags = (args: string[], options: NonNullable<ParseArgsConfig['options']>): Flags => {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Flags;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
};

export const positiveInteger = (value: string | boolean | undefined, flag: string): number | undefined => {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`--${flag} wants a positive whole number, got "${value}"`);
  return number;
};

export const integerList = (value: string | boolean | undefined, flag: string): number[] | undefined => {
  if (value === undefined || typeof value === 'boolean') return undefined;
  return value.split(',').map((part) => positiveInteger(part.trim(), flag)!);
};
