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
import { ConfigFileError } from '../config/config-file.js';
import { ENV_VARIABLES } from '../config/connection.js';
import { groupNoun, singular } from '../output/labels.js';
import type { InputField } from '../schema/input-fields.js';
import { CommandFailure } from './command-failure.js';
import { CancelledError, ForeignAnswerError, OperationFailedError, UsageError, type OperationAttempt } from './cli-errors.js';
import { isPromptExit } from './exit-codes.js';
import { nextCommand } from './next-command.js';

export type ExplainOptions = { verbose: boolean };

/**
 * What went wrong, in plain words, ending with the next step. Empty for a command-line error
 * commander has already printed with its usage; `Cancelled.` for a prompt stopped or answered no.
 * Stack traces appear only for unexpected errors, and only with --verbose.
 */
export const explainError = (error: unknown, options: ExplainOptions): string => {
  // One line, so a person sees that the command stopped rather than a silent prompt vanishing.
  if (error instanceof CancelledError || isPromptExit(error)) return 'Cancelled.';
  if (error instanceof CommanderError) return '';
  if (error instanceof UsageError) return [error.message, error.hint && formatUsageHint(error.hint)].filter(Boolean).join('\n');
  if (error instanceof ConfigFileError || error instanceof CommandFailure) return error.message;
  if (error instanceof ForeignAnswerError) return `${error.message} ${CHECK_URL}`;
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
  if (error.code === UNEXPECTED_RESPONSE || isForeignAnswer(error)) return explainForeignAnswer(error, url);
  if (error instanceof NetworkError) {
    const what = error.code === 'timeout' ? `No answer from ${url} in time` : `Could not reach ${url}`;
    return `${what} — is the server running? (set --url or SHOPCTL_URL)`;
  }
  if (error instanceof AbortedError) return 'Cancelled.';
  if (error instanceof UnauthorizedError) return explainUnauthorized(error, attempt);
  if (error instanceof ForbiddenError) return `${serverWords} Log in as someone who may do this: run \`shopctl login\`.`;
  if (error instanceof ValidationError) return explainValidation(error, attempt);
  if (error instanceof PreconditionFailedError) return explainStaleVersion(error, attempt);
  if (error instanceof NotFoundError) {
    const list = attempt && nextCommand(attempt.operationId, attempt.input, 'collection');
    return list ? `${serverWords} Run \`${list}\` to see what exists.` : serverWords;
  }
  if (error instanceof ConflictError) {
    // A specific conflict's title is the fact ("That email is already registered") and its detail the way
    // out; the generic one's title ("The request conflicts with the current state") adds nothing to its detail.
    const title = error.code === GENERIC_CONFLICT ? undefined : error.problem?.title;
    const words = [title, error.problem?.detail].filter(Boolean).map((part) => sentence(part!)).join(' ') || serverWords;
    const read = attempt && nextCommand(attempt.operationId, attempt.input, 'same');
    return read ? `${words} Run \`${read}\` to see where it stands.` : words;
  }
  if (error instanceof RateLimitedError) {
    // The server says which limit was hit ("Too many failed sign-in attempts for this account") and for how long.
    if (error.problem?.detail) return serverWords;
    const wait = error.retryAfterSeconds;
    return `The server is asking for fewer requests.${wait === undefined ? '' : ` Try again in ${wait} s.`}`;
  }
  if (error instanceof ServerError) {
    const reference = error.requestId ? ` (request id ${error.requestId})` : '';
    return `The server failed: ${serverWords} Try again; if it keeps failing, report it to the operators${reference}.`;
  }
  return serverWords;
};

/** The code of the server's catch-all 409, a decider refusing a transition. */
const GENERIC_CONFLICT = 'invalid_state';

/** The SDK's code for an answer that is not the JSON the contract promises (engineer sdkpack's UnexpectedResponseError). */
const UNEXPECTED_RESPONSE = 'unexpected_response';

/** An error status without a problem body: whatever answered does not speak eventshop's error format. */
const isForeignAnswer = (error: ShopApiError): boolean => error.status >= 400 && error.problem === undefined;

const explainForeignAnswer = (error: ShopApiError, url: string): string => {
  const type = error.headers['content-type']?.split(';')[0]?.trim();
  const answer = [error.status > 0 && `HTTP ${error.status}`, type].filter(Boolean).join(', ');
  return `${url} answered${answer ? ` (${answer})` : ''}, but not as an eventshop server does. ${CHECK_URL}`;
};

const CHECK_URL = 'Check the URL: `shopctl config list` shows which one is in use and where it comes from.';

/** Server text ends mid-thought sometimes ("No product has id 42"); our next step starts a new sentence. */
const sentence = (text: string): string => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

/**
 * What the server said about the credential, and the way out that fits it: a disabled account
 * cannot log in again, so it is not told to; a refused API key needs a new key, not a password.
 */
const explainUnauthorized = (error: UnauthorizedError, attempt: OperationAttempt | undefined): string => {
  const url = attempt?.url ?? 'the server';
  const serverWords = error.problem?.detail ? sentence(error.problem.detail) : undefined;
  const login = loginStep(attempt?.credential);
  switch (error.code) {
    case 'token_expired':
      return `Your session expired. ${login}`;
    case 'token_revoked':
      return `${serverWords ?? 'Your session was ended.'} ${login}`;
    case 'invalid_credentials':
      return 'Email or password is wrong. Check both and run `shopctl login` again.';
    case 'account_disabled':
      // Logging in again cannot help, so no step is suggested beyond the server's own ("Ask an administrator").
      return serverWords ?? 'This account is disabled. Ask an administrator.';
    case 'invalid_api_key':
      return `${url} does not accept this API key: it is unknown or was revoked. Ask an administrator for a new one (\`shopctl api-keys create\`) and save it with \`shopctl login --api-key\`.`;
    case 'invalid_token':
      return `${url} did not accept your token: ${serverWords ?? 'it may be for another server.'} ${login}`;
    default:
      return attempt?.credential ? `${url} refused your credentials: ${serverWords ?? 'authentication required.'} ${login}` : 'You are not logged in. Run `shopctl login`.';
  }
};

/** `shopctl login` replaces a saved credential; one given by flag or environment has to be changed there. */
const loginStep = (credential: OperationAttempt['credential']): string => {
  if (credential?.source === 'flag') return `Pass a current one with ${credential.kind === 'token' ? '--token' : '--api-key'}, or run \`shopctl login\`.`;
  if (credential?.source === 'env') return `Set a current one in ${credential.kind === 'token' ? ENV_VARIABLES.token : ENV_VARIABLES.apiKey}, or unset it and run \`shopctl login\`.`;
  return 'Run `shopctl login`.';
};

const explainStaleVersion = (error: PreconditionFailedError, attempt: OperationAttempt | undefined): string => {
  const noun = attempt ? singular(groupNoun(attempt.group)) : 'entity';
  const now = error.currentVersion === undefined ? '' : ` (version ${error.currentVersion} now)`;
  const read = attempt && nextCommand(attempt.operationId, attempt.input, 'same');
  return `The ${noun} changed since you read it${now}. ${read ? `Run \`${read}\` and try again.` : 'Read it again and try again.'}`;
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
