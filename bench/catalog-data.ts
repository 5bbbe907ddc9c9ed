/**
 * Deterministic, varied catalog data: the same seed gives the same products and queries on
 * every machine, so two runs search the same text and their figures can be compared.
 */

export type GeneratedProduct = {
  name: string;
  description: string;
  price: { amount: number; currency: string };
  categoryId: string;
  sku: string;
};

type Random = {
  /** Uniform in [0, 1). */
  next(): number;
  int(min: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
};

/** mulberry32: tiny, fast and good enough to vary test data; Math.random cannot be seeded. */
export const seededRandom = (seed: number): Random => {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min, maxInclusive) => min + Math.floor(next() * (maxInclusive - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (probability) => next() < probability,
  };
};

type Kind = { noun: string; category: string; sizes: readonly string[]; basePrice: number };

const KINDS: readonly Kind[] = [
  { noun: 'mug', category: 'kitchen', sizes: ['250 ml', '350 ml', '450 ml'], basePrice: 1400 },
  { noun: 'espresso cup', category: 'kitchen', sizes: ['80 ml', '100 ml'], basePrice: 1100 },
  { noun: 'teapot', category: 'kitchen', sizes: ['0.6 l', '1 l', '1.2 l'], basePrice: 3900 },
  { noun: 'bowl', category: 'kitchen', sizes: ['14 cm', '18 cm', '24 cm'], basePrice: 1600 },
  { noun: 'dinner plate', category: 'kitchen', sizes: ['26 cm', '28 cm'], basePrice: 1800 },
  { noun: 'chef knife', category: 'kitchen', sizes: ['18 cm', '20 cm', '24 cm'], basePrice: 8900 },
  { noun: 'cutting board', category: 'kitchen', sizes: ['30 cm', '40 cm', '50 cm'], basePrice: 4500 },
  { noun: 'skillet', category: 'kitchen', sizes: ['20 cm', '26 cm', '30 cm'], basePrice: 6900 },
  { noun: 'saucepan', category: 'kitchen', sizes: ['1.5 l', '2 l', '3 l'], basePrice: 5900 },
  { noun: 'pepper mill', category: 'kitchen', sizes: ['15 cm', '22 cm'], basePrice: 3200 },
  { noun: 'French press', category: 'kitchen', sizes: ['0.35 l', '0.8 l', '1 l'], basePrice: 3500 },
  { noun: 'mixing bowl', category: 'kitchen', sizes: ['2 l', '4 l'], basePrice: 2500 },
  { noun: 'baking tray', category: 'kitchen', sizes: ['30 x 40 cm', '25 x 35 cm'], basePrice: 2200 },
  { noun: 'table lamp', category: 'lighting', sizes: ['35 cm', '45 cm'], basePrice: 12900 },
  { noun: 'pendant light', category: 'lighting', sizes: ['30 cm', '40 cm'], basePrice: 15900 },
  { noun: 'candle holder', category: 'home-decor', sizes: ['8 cm', '12 cm'], basePrice: 1900 },
  { noun: 'vase', category: 'home-decor', sizes: ['20 cm', '30 cm', '45 cm'], basePrice: 3400 },
  { noun: 'wall mirror', category: 'home-decor', sizes: ['50 cm', '70 cm'], basePrice: 11900 },
  { noun: 'wall clock', category: 'home-decor', sizes: ['30 cm', '40 cm'], basePrice: 6500 },
  { noun: 'cushion cover', category: 'textiles', sizes: ['45 x 45 cm', '50 x 50 cm'], basePrice: 2900 },
  { noun: 'throw blanket', category: 'textiles', sizes: ['130 x 170 cm', '150 x 200 cm'], basePrice: 7900 },
  { noun: 'bath towel', category: 'bath', sizes: ['70 x 140 cm', '100 x 150 cm'], basePrice: 2800 },
  { noun: 'bath mat', category: 'bath', sizes: ['50 x 80 cm', '60 x 90 cm'], basePrice: 3300 },
  { noun: 'soap dish', category: 'bath', sizes: ['12 cm'], basePrice: 1200 },
  { noun: 'rug', category: 'textiles', sizes: ['120 x 170 cm', '160 x 230 cm', '200 x 300 cm'], basePrice: 19900 },
  { noun: 'planter', category: 'garden', sizes: ['15 cm', '25 cm', '35 cm'], basePrice: 2700 },
  { noun: 'watering can', category: 'garden', sizes: ['1 l', '5 l'], basePrice: 3100 },
  { noun: 'pruning shears', category: 'garden', sizes: ['20 cm'], basePrice: 3900 },
  { noun: 'bird feeder', category: 'garden', sizes: ['25 cm'], basePrice: 2600 },
  { noun: 'notebook', category: 'office', sizes: ['A5', 'A4'], basePrice: 1500 },
  { noun: 'desk organiser', category: 'office', sizes: ['30 cm', '40 cm'], basePrice: 3600 },
  { noun: 'pen holder', category: 'office', sizes: ['10 cm'], basePrice: 1300 },
  { noun: 'water bottle', category: 'outdoor', sizes: ['500 ml', '750 ml', '1 l'], basePrice: 2400 },
  { noun: 'lunch box', category: 'outdoor', sizes: ['0.8 l', '1.2 l'], basePrice: 2100 },
  { noun: 'picnic blanket', category: 'outdoor', sizes: ['140 x 200 cm'], basePrice: 5400 },
  { noun: 'storage basket', category: 'storage', sizes: ['25 cm', '35 cm', '45 cm'], basePrice: 2900 },
  { noun: 'bookend', category: 'storage', sizes: ['15 cm'], basePrice: 2300 },
  { noun: 'coat hook', category: 'storage', sizes: ['8 cm', '12 cm'], basePrice: 1400 },
];

const MATERIALS = [
  'oak', 'walnut', 'bamboo', 'ceramic', 'porcelain', 'stoneware', 'glass', 'stainless steel', 'cast iron', 'copper',
  'linen', 'cotton', 'wool', 'leather', 'marble', 'enamel', 'silicone', 'aluminium', 'brass', 'terracotta', 'cork',
  'rattan', 'acacia', 'beech', 'slate', 'jute', 'recycled plastic', 'birch',
] as const;
const COLOURS = [
  'black', 'white', 'sage', 'navy', 'charcoal', 'ivory', 'mustard', 'teal', 'graphite', 'sand', 'olive', 'blush',
  'cobalt', 'rust', 'forest green', 'oat', 'smoke grey', 'amber',
] as const;
const SERIES = [
  'Fjord', 'Atlas', 'Kyoto', 'Sierra', 'Harbor', 'Mesa', 'Alder', 'Juniper', 'Nordlys', 'Calder', 'Solace', 'Dune',
  'Tidal', 'Hearth', 'Marlow', 'Ember', 'Orchard', 'Lumen', 'Pebble', 'Cove',
] as const;
const QUALITIES = [
  'handmade', 'minimalist', 'rustic', 'nordic', 'compact', 'stackable', 'insulated', 'foldable', 'ergonomic',
  'lightweight', 'heavy-duty', 'hand-glazed', 'hand-woven', 'matte', 'speckled', 'reversible', 'modular',
] as const;
const FEATURES = [
  'Dishwasher safe and built for everyday use.',
  'Hand-finished in a small workshop in Portugal.',
  'Made from responsibly sourced materials with a natural oil finish.',
  'Every piece varies slightly in tone, so no two are alike.',
  'Resists stains and scratches and cleans with a damp cloth.',
  'Keeps drinks hot for six hours and cold for twelve.',
  'Ships flat-packed and assembles in minutes without tools.',
  'Oven safe up to 250 degrees and suitable for induction hobs.',
  'Machine washable at 40 degrees; tumble dry low.',
  'Weatherproof coating for balconies, terraces and gardens.',
  'Non-slip base protects tables and worktops.',
  'Comes with a ten-year guarantee and spare parts on request.',
  'Packed in plastic-free, recyclable packaging.',
] as const;
const USES = [
  'Perfect for slow Sunday breakfasts.',
  'A thoughtful housewarming gift.',
  'Brings warmth to a minimalist interior.',
  'Sized for small apartments and narrow shelves.',
  'Built for busy family kitchens.',
  'Pairs well with the rest of the series.',
  'Great for camping trips, picnics and the daily commute.',
  'Adds texture to a living room or bedroom.',
  'Designed with professional chefs.',
  'Ideal for herbs on a sunny windowsill.',
] as const;

const capitalise = (text: string) => text.replace(/\b\w/g, (letter) => letter.toUpperCase());

/** Prices spread log-uniformly around the kind's base price, rounded to the usual .99/.00 endings. */
const priceFor = (random: Random, basePrice: number) => {
  const amount = Math.round(basePrice * Math.exp((random.next() - 0.5) * 1.6));
  return Math.max(99, Math.round(amount / 100) * 100 - (random.chance(0.7) ? 1 : 0));
};

/** Product `index` of the catalog generated from `seed`; cheap to call for any index, in any order. */
export const generateProduct = (seed: number, index: number): GeneratedProduct => {
  const random = seededRandom((seed * 1_000_003) ^ Math.imul(index + 1, 2_654_435_761));
  const kind = random.pick(KINDS);
  const material = random.pick(MATERIALS);
  const colour = random.chance(0.5) ? `${random.pick(COLOURS)} ` : '';
  const series = random.chance(0.6) ? `${random.pick(SERIES)} ` : '';
  const size = random.chance(0.6) ? ` ${random.pick(kind.sizes)}` : '';
  const quality = random.pick(QUALITIES);
  const name = capitalise(`${series}${colour}${material} ${kind.noun}`) + size;
  const sentences = [
    `A ${quality} ${kind.noun} in ${material}${colour ? `, finished in ${colour.trim()}` : ''}.`,
    random.pick(FEATURES),
    ...(random.chance(0.6) ? [random.pick(FEATURES)] : []),
    random.pick(USES),
  ];
  return {
    name,
    description: [...new Set(sentences)].join(' '),
    price: { amount: priceFor(random, kind.basePrice), currency: 'USD' },
    categoryId: kind.category,
    sku: `${kind.category.slice(0, 3).toUpperCase()}-${seed.toString(36).toUpperCase()}-${index.toString(36).toUpperCase().padStart(5, '0')}`,
  };
};

/**
 * Search terms people would type into this catalog: single words (common and rare), pairs,
 * quoted phrases, alternatives and exclusions (websearch syntax), plural and verb forms the
 * stemmer must fold, and a few words no product has.
 */
/** English stop words among this catalog's product nouns (PostgreSQL's english configuration drops them). */
const STOP_WORDS = new Set(['can']);

export const generateQueries = (seed: number, count: number): string[] => {
  const random = seededRandom(seed ^ 0x5eed);
  const word = (text: string) => text.split(' ').at(-1)!;
  // Nouns PostgreSQL indexes: "can" alone, or "can -steel", leaves nothing to look for, and the
  // server answers such a search with 400 rather than ranking the whole catalog.
  const searchableKinds = KINDS.filter((kind) => !STOP_WORDS.has(word(kind.noun)));
  const noun = () => word(random.pick(searchableKinds).noun);
  const templates: (() => string)[] = [
    () => noun(),
    () => random.pick(MATERIALS),
    () => `${random.pick(MATERIALS)} ${word(random.pick(KINDS).noun)}`,
    () => `${random.pick(COLOURS)} ${word(random.pick(KINDS).noun)}`,
    () => `${random.pick(QUALITIES)} ${word(random.pick(KINDS).noun)}`,
    () => `${random.pick(SERIES)} ${random.pick(MATERIALS)}`,
    () => `"${random.pick(KINDS).noun}"`,
    () => `${word(random.pick(KINDS).noun)} or ${word(random.pick(KINDS).noun)}`,
    () => `${noun()} -${random.pick(MATERIALS).split(' ')[0]}`,
    () => random.pick(['knives', 'plates', 'towels', 'lamps', 'baking', 'gifts', 'camping', 'washable', 'glazed', 'chefs']),
    () => random.pick(['dishwasher safe', 'oven safe induction', 'housewarming gift', 'small apartments', 'picnic']),
    () => random.pick(['zeppelin', 'quantum flux', 'snorkel', 'typewriter ribbon']),
  ];
  return Array.from({ length: count }, () => random.pick(templates)());
};

/** A price window somewhere in the catalog's range, as a shopper's filter would be (the catalog is priced in USD). */
export const generatePriceRange = (random: Random): { price_min: number; price_max: number; currency: string } => {
  const price_min = random.int(0, 150) * 100;
  return { price_min, price_max: price_min + random.int(10, 200) * 100, currency: 'USD' };
};
