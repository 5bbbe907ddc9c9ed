import http from 'node:http';
import https from 'node:https';
import type { Transport } from '@eventshop/sdk';

/**
 * The SDK's transport over Node's own `http` and `https`. A shopctl run sends one request or a
 * few (`--all` pages), then exits; the SDK's default transport, undici, takes ~150 ms to load,
 * more than the rest of a command's start-up together, while `node:http` is part of Node.
 * Keep-alive is on, so `--all` reuses one connection for every page.
 */
export const nodeHttpTransport = (): Transport => {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  return {
    request: (req) =>
      new Promise((resolve, reject) => {
        const url = new URL(req.url);
        const secure = url.protocol === 'https:';
        const send = secure ? https.request : http.request;
        const outgoing = send(url, { method: req.method, headers: req.headers, signal: req.signal, agent: secure ? agents['https:'] : agents['http:'] }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
        });
        outgoing.on('error', reject);
        outgoing.end(req.body);
      }),
    close: async () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
};
