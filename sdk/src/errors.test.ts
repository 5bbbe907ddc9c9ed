import { describe, expect, it } from 'vitest';
import { createShopClient } from './client.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  ServerError,
  ShopApiError,
  UnauthorizedError,
  ValidationError,
  errorFromResponse,
} from './errors.js';
import { json, problem, scriptedTransport } from './testing/scripted-transport.js';

type ErrorClass = abstract new (...args: never[]) => ShopApiError;

/** Fails one call with `response` (no retries, so a retryable status is seen as it is) and returns the error. */
const failWith = async (response: ReturnType<typeof problem>) => {
  const { transport } = scriptedTransport([response]);
  const client = createShopClient({ baseUrl: 'http://shop.test', transport, retries: 0 });
  return client.products.get({ id: '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c' }).then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) => error as ShopApiError,
  );
};

describe('problem responses become typed errors', () => {
  const byStatus: [number, string, ErrorClass][] = [
    [400, 'validation_failed', ValidationError],
    [401, 'unauthorized', UnauthorizedError],
    [403, 'forbidden', ForbiddenError],
    [404, 'not_found', NotFoundError],
    [409, 'invalid_state', ConflictError],
    [412, 'version_mismatch', PreconditionFailedError],
    [413, 'body_too_large', ValidationError],
    [415, 'unsupported_media_type', ValidationError],
    [422, 'idempotency_key_reused', ValidationError],
    [429, 'rate_limited', RateLimitedError],
    [500, 'internal_error', ServerError],
    [503, 'unavailable', ServerError],
  ];

  it.each(byStatus)('maps %i to the right subclass, with status, code, request id and problem', async (status, code, Expected) => {
    const error = await failWith(problem(status, code, { detail: 'What went wrong, in words.' }));
    expect(error).toBeInstanceOf(Expected);
    expect(error).toBeInstanceOf(ShopApiError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(Expected.name);
    expect(error).toMatchObject({ status, code, requestId: `req-${status}` });
    expect(error.problem).toEqual({
      type: `urn:eventshop:problem:${code}`,
      title: `Problem ${code}`,
      status,
      code,
      requestId: `req-${status}`,
      detail: 'What went wrong, in words.',
    });
    expect(error.message).toBe(`Problem ${code}: What went wrong, in words.`);
  });

  it('gives a 412 the version the entity is at now, and keeps it a ConflictError', async () => {
    const error = await failWith(problem(412, 'version_mismatch', { currentVersion: 7 }));
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as PreconditionFailedError).currentVersion).toBe(7);
  });

  it('gives a 429 the seconds to wait from Retry-After', async () => {
    const error = await failWith(problem(429, 'rate_limited', {}, { 'retry-after': '30' }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(30);
  });

  it('leaves retryAfterSeconds undefined without a Retry-After', async () => {
    const error = await failWith(problem(429, 'rate_limited'));
    expect((error as RateLimitedError).retryAfterSeconds).toBeUndefined();
  });

  it('exposes field errors of a 400', async () => {
    const errors = [{ field: 'cursor', message: 'Not a cursor this list gave out; start again without it' }];
    const error = await failWith(problem(400, 'validation_failed', { errors }));
    expect(error.fieldErrors).toEqual(errors);
  });

  it('keeps the response headers', async () => {
    const error = await failWith(problem(401, 'unauthorized', {}, { 'www-authenticate': 'Bearer' }));
    expect(error.headers['www-authenticate']).toBe('Bearer');
  });

  it('copes with a body that is not a problem (a proxy’s HTML page)', async () => {
    const error = await failWith({ status: 502, headers: { 'content-type': 'text/html', 'x-request-id': 'edge-1' }, body: '<h1>Bad gateway</h1>' });
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 502, code: 'http_502', requestId: 'edge-1', problem: undefined, message: 'HTTP 502' });
    expect(error.fieldErrors).toEqual([]);
  });

  it('takes the request id from the header when the body has none', () => {
    const error = errorFromResponse(404, { type: 'about:blank', title: 'Not found', status: 404, code: 'not_found' }, { 'x-request-id': 'req-h' });
    expect(error.requestId).toBe('req-h');
  });

  it('does not mistake a success-shaped body for a problem', async () => {
    const error = await failWith(json(404, { id: 'x' }));
    expect(error).toMatchObject({ code: 'http_404', problem: undefined });
  });
});
