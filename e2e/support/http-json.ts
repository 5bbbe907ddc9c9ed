/**
 * One JSON request to a server process, as a bare HTTP client sends it (no SDK, so no retries):
 * answers the parsed body, and throws with the status and body on anything but 2xx.
 */
export const callJson = async (url: string, method: string, path: string, token?: string, body?: unknown): Promise<Record<string, any>> => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, any>;
};
