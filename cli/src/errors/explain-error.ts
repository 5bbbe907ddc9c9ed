import {
  AbortedError,
  ConflictError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  ServerError,
  ShopApiError,
  UnauthorizedError,
  ValidationError,
} from '@eventshop/sdk';
import { EXPECTED_VERSION_FIELD } from '@eventshop/sdk/contract';
import { CommanderError } from 'commander';
import { formatUsageHint } from '../commands/command-usage.js';
import { commandLineFor } from '../commands/generated/command-names.js';
import { ConfigFileError } from '../config/config-file.js';
import { groupNoun, singular } from '../output/labels.js';
import type { InputField } from '../schema/input-fields.js';
import { CommandFailure } from './command-failure.js';
import { CancelledError, OperationFailedError, UsageError, type OperationAttempt } from './cli-errors.js';
import { isPromptExit } from './exit-codes.js';

export type ExplainOptions = { verbose: boolean };

/**
 * What went wrong, in plain words, ending with the next step. Empty when there is nothing to add:
 * a cancelled prompt, or a command-line error commander has already printed with its usage.
 * Stack traces appear only for unexpected errors, and only with --verbose.
 */
export const explainError = (error: unknown, options: ExplainOptions): string => {
  if (error instanceof CancelledError || isPromptExit(error) || error instanceof CommanderError) return '';
  if (error instanceof UsageError) return [error.message, error.hint && formatUsageHint(error.hint)].filter(Boolean).join('\n');
  if (error instanceof ConfigFileError || error instanceof CommandFailure) return error.message;
  if (error instanceof OperationFailedError) return withDetails(explainApiError(error.failure, error.attempt), error.failure, options);
  if (error instanceof ShopApiError) return withDetails(explainApiError(error, undefined), error, options);
  const message = error instanceof Error ? error.message : String(error);
  const stack = options.verbose && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return `Unexpected error: ${message}${stack}\nRun again with --verbose for details, and report it if it keeps happening.`;
};

const withDetails = (message: string, error: ShopApiError, { verbose }: ExplainOptions): string => {
  if (!verbose) return message;
  const status = error.status === 0 ? 'no HTTP response' : `HTTP ${error.status}`;
  const details = [status, `code ${error.code}`, error.requestId && `request id ${error.requestId}`].filter(Boolean).join(', ');
  return `${message}\n(${details})`;
};

const explainApiError = (error: ShopApiError, attempt: OperationAttempt | undefined): string => {
  const url = attempt?.url ?? 'the server';
  const serverWords = sentence(error.problem?.detail ?? error.problem?.title ?? error.message);
  if (error instanceof NetworkError) {
    const what = error.code === 'timeout' ? `No answer from ${url} in time` : `Could not reach ${url}`;
    return `${what} — is the server running? (set --url or SHOPCTL_URL)`;
  }
  if (error instanceof AbortedError) return 'Cancelled.';
  if (error instanceof UnauthorizedError) return explainUnauthorized(error, url);
  if (error instanceof ForbiddenError) return `${serverWords} Log in as someone who may do this: run \`shopctl login\`.`;
  if (error instanceof ValidationError) return explainValidation(error, attempt);
  if (error instanceof PreconditionFailedError) return explainStaleVersion(error, attempt);
  if (error instanceof NotFoundError) {
    const list = attempt && commandFor(attempt.group, 'list');
    return list ? `${serverWords} Run \`${list}\` to see what exists.` : serverWords;
  }
  if (error instanceof ConflictError) {
    const get = attempt && readCommand(attempt);
    return get ? `${serverWords} Run \`${get}\` to see where it stands.` : serverWords;
  }
  if (error instanceof RateLimitedError) {
    const wait = error.retryAfterSeconds;
    return `The server is asking for fewer requests.${wait === undefined ? '' : ` Try again in ${wait} s.`}`;
  }
  if (error instanceof ServerError) {
    const reference = error.requestId ? ` (request id ${error.requestId})` : '';
    return `The server failed: ${serverWords} Try again; if it keeps failing, report it to the operators${reference}.`;
  }
  return serverWords;
};

/** Server text ends mid-thought sometimes ("No product has id 42"); our next step starts a new sentence. */
const sentence = (text: string): string => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

const explainUnauthorized = (error: UnauthorizedError, url: string): string => {
  switch (error.code) {
    case 'token_expired':
      return 'Your session expired. Run `shopctl login`.';
    case 'invalid_credentials':
      return 'Email or password is wrong. Check both and run `shopctl login` again.';
    case 'invalid_token':
      return `${url} did not accept your token or API key (it may be for another server). Run \`shopctl login\`.`;
    default:
      return 'You are not logged in. Run `shopctl login`.';
  }
};

const explainStaleVersion = (error: PreconditionFailedError, attempt: OperationAttempt | undefined): string => {
  const noun = attempt ? singular(groupNoun(attempt.group)) : 'entity';
  const now = error.currentVersion === undefined ? '' : ` (version ${error.currentVersion} now)`;
  const get = attempt && readCommand(attempt);
  return `The ${noun} changed since you read it${now}. ${get ? `Run \`${get}\` and try again.` : 'Read it again and try again.'}`;
};

const explainValidation = (error: ValidationError, attempt: OperationAttempt | undefined): string => {
  const problems = error.fieldErrors.map(({ field, message }) => `  ${describeField(field, attempt?.fields ?? [])}: ${plainMessage(message)}`);
  const title = problems.length > 0 ? 'Some values are not valid:' : error.problem?.detail ?? error.message;
  const help = attempt ? `Run \`${attempt.hint.help}\` to see every flag.` : '';
  return [title, ...problems, help].filter(Boolean).join('\n');
};

/** `price.currency` → `--price-currency`; a path parameter → `<id>`; the If-Match header → `--expected-version`. */
const describeField = (field: string, fields: readonly InputField[]): string => {
  const path = field === 'If-Match' ? EXPECTED_VERSION_FIELD : field;
  const exact = fields.find((candidate) => candidate.path.join('.') === path);
  if (exact) return exact.positional ? `<${exact.name}>` : `--${exact.name}`;
  const nested = fields.filter((candidate) => candidate.path.join('.').startsWith(`${path}.`));
  if (nested.length > 0) return nested.map((candidate) => `--${candidate.name}`).join(', ');
  return field === '(input)' || field === '(body)' ? '--input' : field;
};

// Zod says "Invalid input: expected string, received undefined" for a field that is simply missing.
const plainMessage = (message: string): string => (/received undefined$/.test(message) ? 'is required' : message);

/** `shopctl products get <the id we just used>`, when the group has a get. */
const readCommand = (attempt: OperationAttempt): string | undefined => {
  const get = commandFor(attempt.group, 'get');
  if (!get) return undefined;
  const id = attempt.input.id;
  return `${get} ${typeof id === 'string' || typeof id === 'number' ? id : '<id>'}`;
};

const commandFor = (group: string, name: string): string | undefined => commandLineFor(`${group}.${name}`);
