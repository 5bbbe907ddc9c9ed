import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../database/unavailable.js';
import { HttpProblem } from './problems.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Fastify's own 4xx errors (bad JSON, wrong content type, body too large), in our words. */
const frameworkProblems: Record<string, { code: string; title: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', title: 'Send the body as application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'body_too_large', title: 'The request body is too large' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'validation_failed', title: 'The body is empty but declared as JSON' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed_json', title: 'The body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'validation_failed', title: 'Content-Length does not match the body' },
};

/** Seconds a client is told to wait while the database is away: about one restart of the embedded PostgreSQL. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

const databaseUnavailable = () =>
  new HttpProblem(
    503,
    'database_unavailable',
    'The database is unavailable',
    `The request may not have completed. Retry it in ${DATABASE_RETRY_AFTER_SECONDS} s with the same Idempotency-Key (the SDK does).`,
    {},
    { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
  );

type ProblemResponse = { status: number; headers: Record<string, string>; body: Record<string, unknown> };

export const toProblem = (error: unknown, requestId: string): ProblemResponse => {
  if (error instanceof HttpProblem) {
    return {
      status: error.status,
      headers: error.headers,
      body: {
        type: `urn:eventshop:problem:${error.code}`,
        title: error.title,
        status: error.status,
        ...(error.detail ? { detail: error.detail } : {}),
        code: error.code,
        requestId,
        ...error.extra,
      },
    };
  }
  if (isDatabaseUnavailable(error)) return toProblem(databaseUnavailable(), requestId);
  const fastifyError = error as FastifyError;
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const known = frameworkProblems[fastifyError.code] ?? (error instanceof SyntaxError ? frameworkProblems.FST_ERR_CTP_INVALID_JSON_BODY : undefined);
    return toProblem(new HttpProblem(status, known?.code ?? 'bad_request', known?.title ?? 'Bad request', fastifyError.message), requestId);
  }
  return toProblem(
    new HttpProblem(500, 'internal_error', 'Something went wrong on our side', `Nothing was changed. Quote request id ${requestId} when reporting it.`),
    requestId,
  );
};

export const sendProblem = (reply: FastifyReply, request: FastifyRequest, error: unknown) => {
  const problem = toProblem(error, request.id);
  // An outage fails every request the same way: one short line each, not a stack trace each.
  if (problem.body.code === 'database_unavailable') request.log.warn({ cause: (error as Error).message }, 'database unavailable');
  else if (problem.body.code === 'gateway_unavailable') request.log.warn({ cause: (error as Error).message }, 'payment gateway unavailable');
  else if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
  return reply.status(problem.status).headers(problem.headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body));
};
