import { ForbiddenError, UnauthorizedError, ValidationError } from '@eventshop/sdk';
import { CommanderError } from 'commander';
import { CancelledError, OperationFailedError, UsageError } from './cli-errors.js';

/** The exit codes scripts can rely on. */
export const ExitCode = {
  ok: 0,
  /** Anything that went wrong that is not one of the below. */
  error: 1,
  /** The command line was wrong: a missing or malformed flag, or input the contract refuses. */
  usage: 2,
  /** Not logged in, or logged in without the right to do this. */
  notAllowed: 4,
  /** Stopped at a prompt (128 + SIGINT, as shells report it). */
  cancelled: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];


/** The one mapping from what went wrong to the process exit code. */
export const exitCodeFor = (error: unknown): ExitCode => {
  const cause = error instanceof OperationFailedError ? error.failure : error;
  // Commander signals help and --version through the same error path as a real failure, with exit code 0.
  if (cause instanceof CommanderError) return cause.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (cause instanceof UsageError || cause instanceof ValidationError) return ExitCode.usage;
  if (cause instanceof CancelledError || isPromptExit(cause)) return ExitCode.cancelled;
  if (cause instanceof UnauthorizedError || cause instanceof ForbiddenError) return ExitCode.notAllowed;
  return ExitCode.error;
};

/** @inquirer/prompts rejects with ExitPromptError on Ctrl-C; it is not exported by the package we depend on. */
export const isPromptExit = (error: unknown): boolean => error instanceof Error && error.name === 'ExitPromptError';
