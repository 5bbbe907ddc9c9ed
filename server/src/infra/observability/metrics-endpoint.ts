import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../http/problem-response.js';
import { HttpProblem } from '../http/problems.js';
import type { Metrics } from './metrics.js';

/**
 * Where Prometheus reads the figures, kept off the public API's accounts: the API's tokens and
 * API keys never open it, and a scraper's secret opens nothing else.
 *
 * - `EVENTSHOP_METRICS_TOKEN` set: `GET /metrics` on the API port, with `Authorization: Bearer <token>`.
 * - `EVENTSHOP_METRICS_PORT` set: a listener of its own on `EVENTSHOP_METRICS_HOST` (127.0.0.1
 *   unless told otherwise), reachable only from where that address is; the token, when also set,
 *   is asked for there too.
 * - Neither: no figures anywhere. Opening them to loopback callers instead would open them to
 *   everyone once a reverse proxy on the same host forwards /metrics.
 */
export type MetricsAccess = { token: string | undefined; port: number | undefined; host: string };

type Verdict = 'ok' | 'missing' | 'wrong';

/** Compared as digests in constant time, so the answer's timing says nothing about the secret. */
const checkBearer = (token: string, authorization: string | undefined): Verdict => {
  if (authorization === undefined || authorization === '') return 'missing';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) return 'wrong';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token)) ? 'ok' : 'wrong';
};

const refusal = (verdict: Exclude<Verdict, 'ok'>) =>
  verdict === 'missing'
    ? new HttpProblem(401, 'metrics_token_required', 'Metrics need their own token', 'Send Authorization: Bearer <EVENTSHOP_METRICS_TOKEN>. API tokens and keys do not open /metrics.', {}, { 'www-authenticate': 'Bearer realm="metrics"' })
    : new HttpProblem(403, 'metrics_token_invalid', 'That is not the metrics token', 'Send the value of EVENTSHOP_METRICS_TOKEN as the bearer token. API tokens and keys do not open /metrics.');

/** `GET /metrics` on the API port: answers only with the metrics token. */
export const registerMetricsRoute = (app: FastifyInstance, metrics: Metrics, access: Pick<MetricsAccess, 'token'>) => {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (access.token === undefined) {
      return sendProblem(
        reply,
        request,
        new HttpProblem(404, 'metrics_not_served_here', 'Metrics are not served on this port', 'Set EVENTSHOP_METRICS_TOKEN to serve them here, or EVENTSHOP_METRICS_PORT for a listener of their own.'),
      );
    }
    const verdict = checkBearer(access.token, request.headers.authorization);
    if (verdict !== 'ok') return sendProblem(reply, request, refusal(verdict));
    return reply.type(metrics.contentType).header('cache-control', 'no-store').send(await metrics.render());
  });
};

export type MetricsListener = { url: string; close(): Promise<void> };

/** The separate metrics port: plain node:http, /metrics only, so nothing of the API is reachable through it. */
export const startMetricsListener = async (metrics: Metrics, access: MetricsAccess & { port: number }): Promise<MetricsListener> => {
  const server = http.createServer((request, response) => {
    const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      response.end(body);
    };
    if (request.url?.split('?')[0] !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) return answer(404, 'Only GET /metrics is served here.\n');
    if (access.token !== undefined) {
      const verdict = checkBearer(access.token, request.headers.authorization);
      if (verdict !== 'ok') {
        const problem = refusal(verdict);
        return answer(problem.status, `${problem.title}. ${problem.detail}\n`, problem.headers);
      }
    }
    metrics.render().then(
      (text) => answer(200, text, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }),
      () => answer(500, 'The figures could not be gathered.\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(access.port, access.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
