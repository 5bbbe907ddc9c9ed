import { appendFileSync } from 'node:fs';

let watch;

export function initialize(data) {
  watch = data;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (watch?.log && watch.match && resolved.url.includes(watch.match)) appendFileSync(watch.log, `${resolved.url}\n`);
  return resolved;
}
