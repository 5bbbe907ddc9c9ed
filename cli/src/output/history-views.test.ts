import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createColors } from './colors.js';
import { renderEntityDiff, type EntityDiffView } from './diff-view.js';
import { eventLine, type EventForLine } from './event-line.js';
import type { Presentation } from './presentation.js';
import { progressBar, progressLine } from './progress-bar.js';
import { capturedStream } from '../testing/test-streams.js';
import { renderEntityState, renderTree } from './state-view.js';

const people = (color: boolean): Presentation => ({ colors: createColors(color), forPeople: true });
const scripts: Presentation = { colors: createColors(false), forPeople: false };
const RED = '\u001b[31m';
const GREEN = '\u001b[32m';

const productId = '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const priceChanged: EventForLine = {
  position: 42,
  occurredAt: '2026-11-24T13:00:00.000Z',
  type: 'ProductPriceChanged',
  streamId: `product-${productId}`,
  version: 3,
  data: { productId, price: { amount: 1499, currency: 'USD' }, previousPrice: { amount: 1299, currency: 'USD' } },
};

describe('the state tree', () => {
  const state = {
    name: 'Espresso cup',
    price: { amount: 1299, currency: 'USD' },
    dimensions: { heightMm: 80, material: 'porcelain' },
    tags: ['kitchen', 'coffee'],
    sku: null,
  };

  it('aligns keys per level and indents nested objects under their key', () => {
    expect(renderTree(state, people(false))).toBe(
      [
        'name        Espresso cup',
        'price       12.99 USD',
        'dimensions',
        '  heightMm  80',
        '  material  porcelain',
        'tags        kitchen, coffee',
        'sku         null',
      ].join('\n'),
    );
  });

  it('lists objects in a list by index', () => {
    expect(renderTree({ addresses: [{ city: 'Lyon' }, { city: 'Turin' }] }, people(false))).toBe(
      ['addresses', '  [0]', '    city  Lyon', '  [1]', '    city  Turin'].join('\n'),
    );
  });

  it('starts with the stream, the version it reflects out of how many, and its time', () => {
    const answer = { streamId: `product-${productId}`, streamType: 'product', version: 2, occurredAt: '2026-11-24T12:00:00.000Z', currentVersion: 5, state };
    const text = renderEntityState(answer, people(false));
    expect(text.split('\n')[0]).toBe(`product-${productId} at version 2 of 5, 2026-11-24 12:00:00 UTC`);
    expect(text).toContain('\nname        Espresso cup');
    expect(renderEntityState({ ...answer, version: 5 }, people(false)).split('\n')[0]).toContain('at version 5 (the latest)');
  });

  it('prints path<TAB>value lines for scripts', () => {
    const answer = { streamId: 'product-1', streamType: 'product', version: 2, occurredAt: '2026-11-24T12:00:00.000Z', currentVersion: 5, state };
    const lines = renderEntityState(answer, scripts).split('\n');
    expect(lines).toContain('version\t2');
    expect(lines).toContain('state.name\tEspresso cup');
    expect(lines).toContain('state.dimensions.heightMm\t80');
  });
});

describe('the diff', () => {
  const diff: EntityDiffView = {
    streamId: `product-${productId}`,
    from: { version: 2, occurredAt: '2026-11-24T12:00:00.000Z' },
    to: { version: 3, occurredAt: '2026-11-24T13:00:00.000Z' },
    changes: [
      { path: 'price.amount', before: 1299, after: 1499 },
      { path: 'description', after: 'Porcelain' },
      { path: 'sku', before: 'CUP-1' },
    ],
    events: [priceChanged],
  };

  it('prints removed values as - lines and added ones as + lines, without colour where there is none', () => {
    const text = renderEntityDiff(diff, people(false));
    expect(text).not.toContain('\u001b[');
    expect(text).toBe(
      [
        `product-${productId}: version 2 (2026-11-24 12:00:00 UTC) → version 3 (2026-11-24 13:00:00 UTC)`,
        '',
        '- price.amount: 1299',
        '+ price.amount: 1499',
        '+ description: "Porcelain"',
        '- sku: "CUP-1"',
        '',
        '1 event in between:',
        eventLine(priceChanged, people(false)),
      ].join('\n'),
    );
  });

  it('paints removed values red and added ones green at a colour terminal', () => {
    const lines = renderEntityDiff(diff, people(true)).split('\n');
    expect(lines.find((line) => line.includes('- price.amount'))).toContain(RED);
    expect(lines.find((line) => line.includes('+ price.amount'))).toContain(GREEN);
    expect(stripVTControlCharacters(renderEntityDiff(diff, people(true)))).toBe(renderEntityDiff(diff, people(false)));
  });

  it('says so when nothing changed', () => {
    expect(renderEntityDiff({ ...diff, changes: [], events: [] }, people(false))).toContain('No field changed.\n\nNo events in between.');
  });
});

describe('one line per event', () => {
  it('shows position, UTC time, type, stream and version, and the data in short without the stream’s own id', () => {
    const line = eventLine(priceChanged, people(false));
    expect(line).toMatch(/^ {4}42 {2}2026-11-24 13:00:00 {2}ProductPriceChanged +product-3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c v3 {2}price=14\.99 USD previousPrice=12\.99 USD$/);
    expect(line).not.toContain(`productId=`);
  });

  it('is tab-separated with exact JSON data for scripts', () => {
    expect(eventLine(priceChanged, scripts).split('\t')).toEqual([
      '42',
      '2026-11-24T13:00:00.000Z',
      'ProductPriceChanged',
      `product-${productId}`,
      '3',
      JSON.stringify(priceChanged.data),
    ]);
  });

  it('quotes text with spaces and cuts long data short', () => {
    const created = { ...priceChanged, type: 'ProductCreated', data: { name: 'Espresso cup', description: 'x'.repeat(200) } };
    const line = eventLine(created, people(false));
    expect(line).toContain('name="Espresso cup"');
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('the replay progress bar', () => {
  it('shows the share done, the count, the rate and the time left', () => {
    expect(progressLine({ done: 4200, total: 10_000, eventsPerSecond: 12_345.4, secondsLeft: 75.2 })).toBe(
      '[##########--------------]   42%  4,200/10,000 events  12,345/s  1m16s left',
    );
    expect(progressLine({ done: 10, total: 10, eventsPerSecond: 5, secondsLeft: 0 })).toBe('[########################]  100%  10/10 events  5/s');
  });

  it('draws on a terminal and stays silent in a pipe', () => {
    const terminal = capturedStream(true);
    const pipe = capturedStream(false);
    for (const stream of [terminal, pipe]) {
      const bar = progressBar(stream);
      bar.update({ done: 1, total: 2, eventsPerSecond: 1, secondsLeft: 1 });
      bar.clear();
    }
    expect(terminal.text()).toContain('1/2 events');
    expect(pipe.text()).toBe('');
  });
});
