/** Words people read as capitals in a label. */
const ACRONYMS = new Set(['id', 'ids', 'sku', 'url', 'api', 'http', 'ip']);

/** `categoryId` → `Category ID`, `price_min` → `Price min`: field names as people read them. */
export const humanize = (key: string): string => {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((word) => (ACRONYMS.has(word) ? word.toUpperCase() : word));
  const [first = '', ...rest] = words;
  return [first.charAt(0).toUpperCase() + first.slice(1), ...rest].join(' ');
};

/** `categories` → `category`, `products` → `product`: the noun for one item of a group. */
export const singular = (noun: string): string => {
  if (noun.endsWith('ies')) return `${noun.slice(0, -3)}y`;
  if (noun.endsWith('sses') || noun.endsWith('xes')) return noun.slice(0, -2);
  if (noun.endsWith('s') && !noun.endsWith('ss')) return noun.slice(0, -1);
  return noun;
};

/** `apiKeys` → `api keys`: a contract group as a plural noun in a sentence. */
export const groupNoun = (group: string): string =>
  group
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]+/g, ' ')
    .toLowerCase();
