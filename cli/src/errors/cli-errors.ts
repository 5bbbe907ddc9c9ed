import type { ShopApiError } from '@eventshop/sdk';
import { groupOf, type OperationDefinition } from '@eventshop/sdk/contract';
import type { UsageHint } from '../commands/command-usage.js';
import type { Credential } from '../config/connection.js';
import type { InputField } from '../schema/input-fields.js';

/** The command line itself is wrong (a missing or malformed flag). Exits 2 and shows the usage line. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The failing command's usage line and help command, when known. */
    readonly hint?: UsageHint,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The person stopped at a prompt (Ctrl-C) or answered no. Exits 130 with one line, `Cancelled.` */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'CancelledError';
  }
}

/** What a failed API call was doing, so its error message can name the next command to run. */
export type OperationAttempt = {
  operationId: string;
  /** The contract group of the operation, e.g. `products` (explain-error builds `${group}.${name}` ids from it). */
  group: string;
  input: Record<string, unknown>;
  fields: readonly InputField[];
  hint: UsageHint;
  /** The server the call went to. */
  url: string;
  /** The credential sent, if any, and where it came from: the way out of a refusal depends on both. */
  credential?: Pick<Credential, 'kind' | 'source'> | undefined;
};

/** The attempt to call `definition`, its group read from the operation id. */
export const attemptOf = (definition: OperationDefinition, details: Omit<OperationAttempt, 'operationId' | 'group'>): OperationAttempt => ({
  operationId: definition.id,
  group: groupOf(definition.id),
  ...details,
});

/** An SDK error raised while running a generated command, with that command's context. */
export class OperationFailedError extends Error {
  constructor(
    readonly failure: ShopApiError,
    readonly attempt: OperationAttempt,
  ) {
    super(failure.message, { cause: failure });
    this.name = 'OperationFailedError';
  }
}

/** The URL answered, but not as an eventshop server: not JSON where every operation answers JSON. */
export class ForeignAnswerError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly contentType: string | undefined,
  ) {
    super(`${url} answered (${[`HTTP ${status}`, contentType?.split(';')[0]?.trim()].filter(Boolean).join(', ')}), but not as an eventshop server does.`);
    this.name = 'ForeignAnswerError';
  }
}
