import type { FastifyInstance } from 'fastify';

type KnownRoute = { pattern: RegExp; methods: Set<string> };

const toPattern = (url: string) =>
  new RegExp(
    `^${url
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/')}$`,
  );

/**
 * Remembers every route as it is registered, so a request that matched none can be told apart:
 * a path that exists under other methods answers 405 with `Allow` (RFC 9110), not 404.
 * Call before any route is added; the answer lists HEAD wherever GET is, as Fastify serves both.
 */
export const trackAllowedMethods = (app: FastifyInstance) => {
  const routes = new Map<string, KnownRoute>();
  app.addHook('onRoute', (route) => {
    const known = routes.get(route.url) ?? { pattern: toPattern(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) {
      known.methods.add(method);
      if (method === 'GET') known.methods.add('HEAD');
    }
    routes.set(route.url, known);
  });
  return (url: string): string[] => {
    const path = url.split('?')[0]!;
    const allowed = new Set<string>();
    for (const { pattern, methods } of routes.values()) if (pattern.test(path)) for (const method of methods) allowed.add(method);
    return [...allowed].sort();
  };
};
