import { describe, expect, it } from 'vitest';
import { formatInstant, relativeTime } from './format-time.js';
import { groupNoun, humanize, singular } from './labels.js';

describe('labels', () => {
  it('turn field names into words people read', () => {
    expect(humanize('categoryId')).toBe('Category ID');
    expect(humanize('price_min')).toBe('Price min');
    expect(humanize('keyPrefix')).toBe('Key prefix');
  });

  it('name one item of a group', () => {
    expect(singular('products')).toBe('product');
    expect(singular('categories')).toBe('category');
    expect(singular(groupNoun('apiKeys'))).toBe('api key');
  });
});

describe('times', () => {
  const now = new Date('2026-11-24T12:00:00.000Z');

  it('say how far away a moment is in its largest whole unit', () => {
    expect(relativeTime(new Date('2026-11-25T00:00:00.000Z'), now)).toBe('in 12 hours');
    expect(relativeTime(new Date('2026-11-24T11:59:00.000Z'), now)).toBe('1 minute ago');
    expect(relativeTime(new Date('2026-11-27T12:00:00.000Z'), now)).toBe('in 3 days');
  });

  it('show an instant in UTC with its distance from now', () => {
    expect(formatInstant('2026-11-25T00:00:00.000Z', now)).toBe('2026-11-25 00:00 UTC (in 12 hours)');
    expect(formatInstant('not a date', now)).toBe('not a date');
  });
});
