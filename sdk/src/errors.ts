import type { Problem } from './contract/common.js';

type ErrorDetails = {
  status: number;
  code: string;
  requestId?: string | undefined;
  problem?: Problem | undefined;
  headers?: Record<string, string> | undefined;
  cause?: unknown;
};

/** Every failure the SDK reports. Branch on the subclass with `instanceof`. */
export class ShopApiError extends Error {
  /** HTTP status; 0 when no response arrived or the input never left the process. */
  readonly status: number;
  /** Stable machine-readable code from the problem body (`validation_failed`, `not_found`, ...). */
  readonly code: string;
  readonly requestId: string | undefined;
  /** The problem body as the server sent it. */
  readonly problem: Problem | undefined;
  readonly headers: Record<string, string>;

  constructor(message: string, details: ErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.problem = details.problem;
    this.headers = details.headers ?? {};
  }

  /** Field-level problems, for validation errors. */
  get fieldErrors(): { field: string; message: string }[] {
    return this.problem?.errors ?? [];
  }
}

/** 400/413/415/422, or input the SDK refused before sending (status 0). */
export class ValidationError extends ShopApiError {}
/** 401: no credentials, or they expired. */
export class UnauthorizedError extends ShopApiError {}
/** 403: signed in, but not allowed. */
export class ForbiddenError extends ShopApiError {}
/** 404 */
export class NotFoundError extends ShopApiError {}
/** 409: the request conflicts with the current state (an illegal transition, a duplicate). */
export class ConflictError extends ShopApiError {}
/** 412: `expectedVersion` is stale; `currentVersion` says where the entity is now. */
export class PreconditionFailedError extends ConflictError {
  get currentVersion(): number | undefined {
    return this.problem?.currentVersion;
  }
}
/** 429: slow down; `retryAfterSeconds` says for how long. */
export class RateLimitedError extends ShopApiError {
  get retryAfterSeconds(): number | undefined {
    const value = Number(this.headers['retry-after']);
    return Number.isFinite(value) ? value : undefined;
  }
}
/** 5xx */
export class ServerError extends ShopApiError {}
/** No response: connection refused or reset, DNS failure, timeout. */
export class NetworkError extends ShopApiError {}
/** The caller's AbortSignal fired. */
export class AbortedError extends ShopApiError {}
/**
 * The answer is not the JSON the eventshop API always sends: something else answered at `baseUrl`
 * (a web page, another service), or the body was cut short. Repeating the request would get the
 * same, so it is never retried. `code` is `unexpected_response`.
 */
export class UnexpectedResponseError extends ShopApiError {
  /** The answer's Content-Type as sent; undefined when it had none. */
  readonly contentType: string | undefined;

  constructor(message: string, details: ErrorDetails & { contentType: string | undefined }) {
    super(message, details);
    this.contentType = details.contentType;
  }
}

/** One place turns a problem response into the error subclass for its status. */
export const errorFromResponse = (status: number, body: unknown, headers: Record<string, string>): ShopApiError => {
  const problem = isProblem(body) ? body : undefined;
  const details: ErrorDetails = {
    status,
    code: problem?.code ?? `http_${status}`,
    requestId: problem?.requestId ?? headers['x-request-id'],
    problem,
    headers,
  };
  const message = problem ? [problem.title, problem.detail].filter(Boolean).join(': ') : `HTTP ${status}`;
  if (status === 401) return new UnauthorizedError(message, details);
  if (status === 403) return new ForbiddenError(message, details);
  if (status === 404) return new NotFoundError(message, details);
  if (status === 412) return new PreconditionFailedError(message, details);
  if (status === 409) return new ConflictError(message, details);
  if (status === 429) return new RateLimitedError(message, details);
  if (status >= 500) return new ServerError(message, details);
  if (status >= 400) return new ValidationError(message, details);
  return new ShopApiError(message, details);
};

const isProblem = (body: unknown): body is Problem =>
  typeof body === 'object' && body !== null && 'status' in body && 'title' in body;
