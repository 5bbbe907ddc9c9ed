import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_NAMES } from '@eventshop/sdk/contract';
import { shopModules } from '../modules/index.js';
import { eventCatalogue } from './event-catalogue.js';
import { renderEventDocs } from './event-docs.js';

describe('the event catalogue', () => {
  const catalogue = eventCatalogue(shopModules);

  it('lists every event type of the contract, once, from the declared modules', () => {
    expect(catalogue.map((entry) => entry.type).sort()).toEqual([...EVENT_TYPE_NAMES].sort());
  });

  it('marks personal fields, and lets them be null in the published schema', () => {
    const registered = catalogue.find((entry) => entry.type === 'UserRegistered')!;
    expect(registered.personalFields).toEqual(['email', 'name', 'phone']);
    expect(JSON.stringify((registered.schema.properties as Record<string, unknown>).email)).toContain('null');
  });

  it('matches docs/events.md (run `npm run docs:events` when this fails)', () => {
    const onDisk = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderEventDocs(catalogue));
  });
});
