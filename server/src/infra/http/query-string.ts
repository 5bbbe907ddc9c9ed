/**
 * A query value whose %-escapes do not decode to UTF-8 text (`%FF`, a lone surrogate's bytes,
 * `%zz`). Fastify's default parser passes such a value on undecoded, as if `%FF` were what the
 * client meant; this keeps it apart so the input reader can refuse it by name.
 */
export class MalformedQueryValue {
  constructor(readonly raw: string) {}
}

export type QueryValues = Record<string, string | MalformedQueryValue | (string | MalformedQueryValue)[]>;

const decode = (text: string): string | MalformedQueryValue => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return new MalformedQueryValue(text);
  }
};

/** `a=1&b=x%20y&a=2` → `{ a: ['1', '2'], b: 'x y' }`; a name that does not decode is kept as written. */
export const parseQueryString = (query: string): QueryValues => {
  const values: QueryValues = Object.create(null);
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const split = pair.indexOf('=');
    const rawName = split === -1 ? pair : pair.slice(0, split);
    const name = decode(rawName);
    const key = name instanceof MalformedQueryValue ? rawName : name;
    const value = decode(split === -1 ? '' : pair.slice(split + 1));
    const previous = values[key];
    values[key] = previous === undefined ? value : [...[previous].flat(), value];
  }
  return values;
};
