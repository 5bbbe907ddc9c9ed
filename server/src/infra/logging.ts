import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { factsOf } from './observability/request-facts.js';
import { operationLabel } from './observability/request-metrics.js';

/**
 * The server's logs: JSON lines for machines when stdout is a pipe or file, one short readable
 * line per entry on a terminal (where `npm start` shows the admin password just above, which a
 * stream of JSON would scroll away). Requests are logged once, when answered.
 */

export type LoggerOptions = { level: string; stream?: { write(line: string): void } };

/**
 * A second line of defence: no log line built here carries headers or bodies, but an error or a
 * later `log.info({ ... })` might. pino blanks these paths before a line is written, whatever
 * logged it. (The first line of defence is what RequestLogLine leaves out; e2e/log-secrets.test.ts
 * greps a whole run's output for every secret it used.)
 */
export const LOG_REDACTION = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-api-key"]',
    'res.headers["set-cookie"]',
    'headers.authorization',
    'headers.cookie',
    'body',
    'req.body',
    'err.body',
    '*.password',
    '*.currentPassword',
    '*.newPassword',
    '*.token',
    '*.apiKey',
    '*.key',
    '*.secret',
    '*.email',
    '*.phone',
    '*.address',
    '*.addresses',
    '*.card',
    '*.paymentMethod',
  ],
  censor: '[redacted]',
};

/** What Fastify is given: the app's logger options (or none), always with the redaction. */
export const withRedaction = (logger: boolean | LoggerOptions | undefined): false | (LoggerOptions & { redact: typeof LOG_REDACTION }) => {
  if (!logger) return false;
  return logger === true ? { level: 'info', redact: LOG_REDACTION } : { ...logger, redact: LOG_REDACTION };
};

/** A caller's correlation id when it is sane (as the request id), else the request id: what the request's events carry. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const correlationOf = (request: FastifyRequest): string => {
  const given = request.headers['x-correlation-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : request.id;
};

type Output = { isTTY?: boolean; write(text: string): unknown };

export const loggerOptions = (level: string, output: Output, env: NodeJS.ProcessEnv = process.env): LoggerOptions => {
  if (!output.isTTY) return { level };
  const color = env.NO_COLOR === undefined || env.NO_COLOR === '';
  return {
    level,
    stream: {
      write(line: string) {
        const text = formatLogLine(line, { color });
        if (text !== undefined) output.write(`${text}\n`);
      },
    },
  };
};

/**
 * One line per answered request, in place of Fastify's two ("incoming request", then
 * "request completed" with the whole request and response objects). Given to Fastify as its
 * `logController`, the hook it offers for exactly this. It names the operation, who acted and
 * the correlation id; the URL goes without its query string, the one part of a request line a
 * client may fill with whatever it likes (a search term, an email), and no header or body is read.
 * pino adds `reqId`.
 */
export class RequestLogLine extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const principalId = factsOf(request)?.principalId;
    const entry = {
      operation: operationLabel(request),
      method: request.method,
      url: request.url.split('?')[0],
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
      correlationId: correlationOf(request),
      ...(principalId ? { principalId } : {}),
    };
    if (error) reply.log.error({ ...entry, err: error }, 'request errored');
    else reply.log.info(entry, 'request completed');
  }
}

const LEVELS: Record<number, { name: string; color: number }> = {
  10: { name: 'TRACE', color: 90 },
  20: { name: 'DEBUG', color: 90 },
  30: { name: 'INFO', color: 36 },
  40: { name: 'WARN', color: 33 },
  50: { name: 'ERROR', color: 31 },
  60: { name: 'FATAL', color: 31 },
};

/** pino's own fields, which the short form shows in its own way or leaves out. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'err']);

/**
 * One pino JSON line in a form for people: `12:04:31 201 POST /api/products 4.2 ms` for a request,
 * `12:04:31 WARN database unavailable cause="..."` for anything else. A line that is not JSON
 * is passed through as it is.
 */
export const formatLogLine = (line: string, options: { color: boolean }): string | undefined => {
  const trimmed = line.trim();
  if (!trimmed) return undefined;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    return trimmed;
  }
  const paint = (code: number, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[39m` : text);
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const level = LEVELS[Number(entry.level)] ?? { name: 'LOG', color: 39 };
  if (typeof entry.statusCode === 'number' && typeof entry.method === 'string') {
    const status = entry.statusCode;
    const statusColor = status >= 500 ? 31 : status >= 400 ? 33 : 32;
    const took = typeof entry.responseTime === 'number' ? ` ${entry.responseTime} ms` : '';
    return `${paint(90, time)} ${paint(statusColor, String(status))} ${entry.method} ${String(entry.url)}${paint(90, took)}`;
  }
  const extra = Object.entries(entry)
    .filter(([key]) => !SHOWN.has(key))
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  const error = entry.err as { message?: string; stack?: string } | undefined;
  const parts = [paint(90, time), paint(level.color, level.name), String(entry.msg ?? ''), ...extra];
  // An error keeps its stack: it is what the operator needs, and errors are rare.
  return parts.filter(Boolean).join(' ') + (error ? `\n${error.stack ?? error.message ?? ''}` : '');
};
