/**
 * Errors that carry their HTTP meaning. Domain code throws the plain-language ones
 * (`InvalidStateError`, `NotFoundError`); one mapper turns every error into a problem response.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export class NotFoundError extends HttpProblem {
  constructor(what: string, id?: string) {
    super(404, 'not_found', `${what} not found`, id ? `No ${what.toLowerCase()} has id ${id}` : undefined);
  }
}

/** A command the current state does not allow ("Product is discontinued"). */
export class InvalidStateError extends HttpProblem {
  constructor(detail: string) {
    super(409, 'invalid_state', 'The request conflicts with the current state', detail);
  }
}

/**
 * An action the entity's current status does not allow ("ship an unpaid order"): 409
 * `invalid_transition`, naming the status and what may be done from it.
 */
export class InvalidTransitionError extends HttpProblem {
  constructor(what: string, currentStatus: string, attempted: string, allowed: readonly string[]) {
    super(
      409,
      'invalid_transition',
      `Cannot ${attempted} now`,
      `The ${what} is ${currentStatus.replace(/_/g, ' ')}; ${allowed.length ? `from there it can ${allowed.join(' or ')}` : 'nothing more can be done with it'}.`,
      { currentStatus, allowed },
    );
  }
}

export class VersionMismatchError extends HttpProblem {
  constructor(expected: number, current: number) {
    super(
      412,
      'version_mismatch',
      'The entity changed since you read it',
      `You sent version ${expected}, but it is at version ${current} now. Read it again and retry.`,
      { currentVersion: current },
    );
  }
}

/** Writers kept moving the stream while the command retried; rare, and safe to retry later. */
export class StreamBusyError extends HttpProblem {
  constructor(streamName: string) {
    super(409, 'stream_busy', 'Too many changes at once', `${streamName} kept changing while this command was decided; try again.`, {}, { 'x-should-retry': 'true' });
  }
}

export type FieldError = { field: string; message: string };

export class RequestValidationError extends HttpProblem {
  constructor(errors: FieldError[], title = 'The request is invalid') {
    const detail = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
    super(400, 'validation_failed', title, detail, { errors });
  }
}

export class UnauthorizedError extends HttpProblem {
  constructor(detail = 'Sign in and send the token as "Authorization: Bearer <token>".', code = 'unauthorized') {
    super(401, code, 'Authentication required', detail, {}, { 'www-authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends HttpProblem {
  constructor(detail: string) {
    super(403, 'forbidden', 'Not allowed', detail);
  }
}

export class RateLimitedError extends HttpProblem {
  constructor(retryAfterSeconds: number, detail = 'Too many requests.') {
    super(429, 'rate_limited', 'Too many requests', `${detail} Try again in ${retryAfterSeconds} s.`, {}, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}
