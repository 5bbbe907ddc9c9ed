import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, sendProblem, toProblem } from './problem-response.js';
import { HttpProblem } from './problems.js';

/**
 * Refusals that happen before a route is found, in the same problem shape as every other error.
 * Fastify answers these itself with its own JSON unless given these two handlers.
 */

/** What Fastify's router refuses (`frameworkErrors`): a URL it cannot decode, a path segment over its length limit. */
export const routerProblem = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
  const problem =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new HttpProblem(414, 'uri_too_long', 'A path segment is too long', 'No identifier this API uses is longer than 100 characters.')
      : error.code === 'FST_ERR_BAD_URL'
        ? new HttpProblem(400, 'malformed_url', 'The URL is not valid', 'A %-escape in the path does not decode to UTF-8 text.')
        : error;
  reply.header('x-request-id', request.id);
  return sendProblem(reply, request, problem);
};

/** Node's HTTP parser errors (`clientError`): there is no request object yet, so the answer is written by hand. */
const clientErrorProblems: Record<string, { status: number; code: string; title: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    title: 'The request headers are too large',
    detail: 'The request line and headers together must stay under 16 KiB.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', title: 'The request took too long to arrive', detail: 'Send it again.' },
};

const malformed = {
  status: 400,
  code: 'malformed_http',
  title: 'The request is not valid HTTP/1.1',
  detail: 'Check the request line and headers (Content-Length and Transfer-Encoding must agree; see docs/rest.md).',
};

export const clientErrorHandler = (error: NodeJS.ErrnoException, socket: Socket) => {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = clientErrorProblems[error.code ?? ''] ?? malformed;
  const requestId = randomUUID();
  const { body } = toProblem(new HttpProblem(known.status, known.code, known.title, known.detail), requestId);
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        text,
    );
  }
  socket.destroy(error);
};

/**
 * Bodies arrive as they are: no content coding (a gzip body would otherwise reach the JSON parser
 * and read as malformed JSON) and no transfer coding but chunked (Node's parser accepts
 * `gzip, chunked` and passes the gzip bytes through undecoded).
 */
export const refuseUnsupportedEncodings = async (request: FastifyRequest) => {
  const contentEncoding = request.headers['content-encoding'];
  const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
  if (hasBody && contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity') {
    throw new HttpProblem(
      415,
      'unsupported_content_encoding',
      'Send the body uncompressed',
      `Content-Encoding "${contentEncoding}" is not accepted; leave the header out (or send identity).`,
      {},
      { 'accept-encoding': 'identity' },
    );
  }
  const transferEncoding = request.headers['transfer-encoding'];
  if (transferEncoding !== undefined && transferEncoding.trim().toLowerCase() !== 'chunked') {
    throw new HttpProblem(
      400,
      'unsupported_transfer_encoding',
      'Send the body with Content-Length or Transfer-Encoding: chunked',
      `Transfer-Encoding "${transferEncoding}" is not accepted; chunked is the only transfer coding this server takes.`,
    );
  }
};
