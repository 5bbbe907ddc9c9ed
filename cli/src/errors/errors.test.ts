import {
  ConflictError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  PreconditionFailedError,
  ServerError,
  ShopApiError,
  UnauthorizedError,
  ValidationError,
  type Problem,
} from '@eventshop/sdk';
import { operations } from '@eventshop/sdk/contract';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { inputFieldsOf } from '../schema/input-fields.js';
import { CancelledError, OperationFailedError, UsageError, type OperationAttempt } from './cli-errors.js';
import { explainError } from './explain-error.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';

const problem = (status: number, code: string, extra: Partial<Problem> = {}): Problem => ({
  type: `urn:eventshop:problem:${code}`,
  title: 'Title from the server',
  status,
  code,
  ...extra,
});

type ApiErrorClass = new (message: string, details: ConstructorParameters<typeof ShopApiError>[1]) => ShopApiError;

const failure = (Kind: ApiErrorClass, status: number, code: string, extra: Partial<Problem> = {}) =>
  new Kind('failed', { status, code, requestId: 'req-42', problem: problem(status, code, extra) });

const productId = '4eca048b-479f-4d66-af22-fea3aed7cbfd';
const updateAttempt: OperationAttempt = {
  operationId: 'products.update',
  group: 'products',
  input: { id: productId, name: 'Cup', expectedVersion: 1 },
  fields: inputFieldsOf(operations['products.update']),
  hint: { usage: 'shopctl products update <id> [options]', help: 'shopctl products update --help' },
  url: 'http://localhost:3000',
};
const during = (error: ShopApiError, attempt = updateAttempt) => new OperationFailedError(error, attempt);
const explain = (error: unknown, verbose = false) => explainError(error, { verbose });

describe('exit codes', () => {
  it('is 2 for usage errors, bad flags and input the contract refuses', () => {
    expect(exitCodeFor(new UsageError('Missing required flag(s): --name'))).toBe(ExitCode.usage);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', "unknown option '--nme'"))).toBe(ExitCode.usage);
    expect(exitCodeFor(during(failure(ValidationError, 0, 'validation_failed')))).toBe(ExitCode.usage);
  });

  it('is 4 when not logged in or not allowed', () => {
    expect(exitCodeFor(during(failure(UnauthorizedError, 401, 'unauthorized')))).toBe(ExitCode.notAllowed);
    expect(exitCodeFor(during(failure(ForbiddenError, 403, 'forbidden')))).toBe(ExitCode.notAllowed);
  });

  it('is 130 when a prompt is cancelled, whether or not we wrapped the prompt error', () => {
    expect(exitCodeFor(new CancelledError())).toBe(ExitCode.cancelled);
    expect(exitCodeFor(Object.assign(new Error('User force closed the prompt'), { name: 'ExitPromptError' }))).toBe(ExitCode.cancelled);
  });

  it('is 0 for help and --version, which commander reports as errors', () => {
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(ExitCode.ok);
    expect(exitCodeFor(new CommanderError(0, 'commander.version', '0.1.0'))).toBe(ExitCode.ok);
  });

  it('is 1 for everything else: conflicts, missing entities, server and network failures, bugs', () => {
    for (const error of [
      failure(PreconditionFailedError, 412, 'version_mismatch'),
      failure(NotFoundError, 404, 'not_found'),
      failure(ServerError, 500, 'internal_error'),
      new NetworkError('down', { status: 0, code: 'network_error' }),
    ]) {
      expect(exitCodeFor(during(error))).toBe(ExitCode.error);
    }
    expect(exitCodeFor(new TypeError('a bug'))).toBe(ExitCode.error);
  });
});

describe('error messages', () => {
  it('sends an expired session back to login', () => {
    expect(explain(during(failure(UnauthorizedError, 401, 'token_expired')))).toBe('Your session expired. Run `shopctl login`.');
  });

  it('sends a missing login to login', () => {
    expect(explain(during(failure(UnauthorizedError, 401, 'unauthorized')))).toBe('You are not logged in. Run `shopctl login`.');
  });

  it("gives the server's reason for a refusal", () => {
    const error = failure(ForbiddenError, 403, 'forbidden', { detail: 'This needs the admin role; you have customer.' });
    expect(explain(during(error))).toMatch(/^This needs the admin role; you have customer\. /);
  });

  it('says a stale version changed, where it is now, and the command to read it again', () => {
    const error = failure(PreconditionFailedError, 412, 'version_mismatch', { currentVersion: 7 });
    expect(explain(during(error))).toBe(`The product changed since you read it (version 7 now). Run \`shopctl products get ${productId}\` and try again.`);
  });

  it('says which server could not be reached and how to point at another', () => {
    const error = new NetworkError('Could not reach http://localhost:3000: connection refused', { status: 0, code: 'network_error' });
    expect(explain(during(error))).toBe('Could not reach http://localhost:3000 — is the server running? (set --url or SHOPCTL_URL)');
  });

  it('names validation problems by their flags', () => {
    const error = failure(ValidationError, 0, 'validation_failed', {
      errors: [
        { field: 'price.currency', message: 'Use a three-letter ISO 4217 code in capitals, such as USD' },
        { field: 'id', message: 'Invalid UUID' },
        { field: 'name', message: 'Invalid input: expected string, received undefined' },
      ],
    });
    expect(explain(during(error)).split('\n')).toEqual([
      'Some values are not valid:',
      '  --price-currency: Use a three-letter ISO 4217 code in capitals, such as USD',
      '  <id>: Invalid UUID',
      '  --name: is required',
      'Run `shopctl products update --help` to see every flag.',
    ]);
  });

  it('ends a not-found message with a sentence pointing at the list', () => {
    const error = failure(NotFoundError, 404, 'not_found', { detail: `No product has id ${productId}` });
    expect(explain(during(error))).toBe(`No product has id ${productId}. Run \`shopctl products list\` to see what exists.`);
  });

  it('adds HTTP status and request id only with --verbose', () => {
    const error = during(failure(ConflictError, 409, 'invalid_state', { detail: 'Product is discontinued.' }));
    expect(explain(error)).not.toContain('req-42');
    expect(explain(error, true)).toContain('(HTTP 409, code invalid_state, request id req-42)');
  });

  it('shows usage errors with the usage line and where to find help', () => {
    const error = new UsageError('Missing required flag(s): --name', { usage: 'shopctl products create [options]', help: 'shopctl products create --help' });
    expect(explain(error)).toBe('Missing required flag(s): --name\nUsage: shopctl products create [options]\nRun `shopctl products create --help` for details.');
  });

  it('stays quiet for a cancelled prompt and for errors commander already printed', () => {
    expect(explain(new CancelledError())).toBe('');
    expect(explain(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--nme'"))).toBe('');
  });

  it('never shows a stack trace for API errors, and shows one for bugs only with --verbose', () => {
    const apiError = during(failure(ServerError, 500, 'internal_error', { detail: 'Nothing was changed.' }));
    expect(explain(apiError, true)).not.toMatch(/\n\s+at /);
    expect(explain(new TypeError('x is undefined'))).not.toMatch(/\n\s+at /);
    expect(explain(new TypeError('x is undefined'), true)).toMatch(/\n\s+at /);
  });
});
