import http from 'node:http';
import https from 'node:https';
import type { Transport, TransportRequest } from '@eventshop/sdk';

const lowerCaseHeaders = (headers: http.IncomingHttpHeaders): Record<string, string> => {
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) lowered[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return lowered;
};

/**
 * The SDK's transport over Node's own `http` and `https`. A shopctl run sends one request or a
 * few (`--all` pages), then exits; the SDK's default transport, undici, takes ~150 ms to load,
 * more than the rest of a command's start-up together, while `node:http` is part of Node.
 * Keep-alive is on, so `--all` reuses one connection for every page.
 */
export const nodeHttpTransport = (): Transport => {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  /** Resolves with the response as soon as its status and headers are in; the body is still to be read. */
  const send = (req: TransportRequest, pooled = true) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const url = new URL(req.url);
      const secure = url.protocol === 'https:';
      const open = secure ? https.request : http.request;
      const agent = pooled ? (secure ? agents['https:'] : agents['http:']) : false;
      const outgoing = open(url, { method: req.method, headers: req.headers, signal: req.signal, agent }, resolve);
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  return {
    async request(req) {
      const response = await send(req);
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      return { status: response.statusCode ?? 0, headers: lowerCaseHeaders(response.headers), body: Buffer.concat(chunks).toString('utf8') };
    },
    // Event streams (`shopctl events tail`): the body is read as it arrives; aborting the request's
    // signal ends it. A connection of its own, outside the keep-alive pool, so nothing of it can keep
    // the process alive after Ctrl-C.
    async stream(req) {
      const response = await send(req, false);
      return { status: response.statusCode ?? 0, headers: lowerCaseHeaders(response.headers), body: response };
    },
    close: async () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
};
