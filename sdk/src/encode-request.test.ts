import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { encodeRequest } from './client.js';
import { operation, operations, type OperationDefinition } from './contract/index.js';

const BASE_URL = 'http://shop.test';
const definitionOf = (id: keyof typeof operations) => operations[id] as OperationDefinition;
const ID = '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';

describe('encodeRequest', () => {
  it('puts the id in the path, expectedVersion in If-Match and the rest in the body', () => {
    const request = encodeRequest(definitionOf('products.update'), { id: ID, name: 'Mug', expectedVersion: 3 }, BASE_URL);
    expect(request).toEqual({ url: `${BASE_URL}/api/products/${ID}`, headers: { 'if-match': '"3"' }, body: JSON.stringify({ name: 'Mug' }) });
  });

  it('sends an empty JSON object when a PUT has only path and header fields', () => {
    const request = encodeRequest(definitionOf('products.update'), { id: ID, expectedVersion: 0 }, BASE_URL);
    expect(request.headers).toEqual({ 'if-match': '"0"' });
    expect(request.body).toBe('{}');
  });

  it('sends no body with a DELETE', () => {
    const request = encodeRequest(definitionOf('products.delete'), { id: ID, expectedVersion: 2 }, BASE_URL);
    expect(request).toEqual({ url: `${BASE_URL}/api/products/${ID}`, headers: { 'if-match': '"2"' }, body: undefined });
  });

  it('puts a GET’s fields in the query string and skips undefined ones', () => {
    const request = encodeRequest(definitionOf('products.list'), { price_min: 0, price_max: 2500, limit: 10, cursor: undefined }, BASE_URL);
    expect(request).toEqual({ url: `${BASE_URL}/api/products?price_min=0&price_max=2500&limit=10`, headers: {}, body: undefined });
  });

  it('encodes special characters in query values so they come back unchanged', () => {
    const q = 'cup & saucer/100% é?#=+';
    const request = encodeRequest(definitionOf('products.search'), { q, cursor: 'a+b/c==' }, BASE_URL);
    const url = new URL(request.url);
    expect(url.pathname).toBe('/api/products/search');
    expect(url.searchParams.get('q')).toBe(q);
    expect(url.searchParams.get('cursor')).toBe('a+b/c==');
    expect([...url.searchParams.keys()]).toEqual(['q', 'cursor']);
  });

  it('encodes special characters in path parameters, so they stay one segment', () => {
    const request = encodeRequest(definitionOf('products.listByCategory'), { categoryId: 'a b/c?d#e%f&g' }, BASE_URL);
    expect(request.url).toBe(`${BASE_URL}/api/products/category/a%20b%2Fc%3Fd%23e%25f%26g`);
    const url = new URL(request.url);
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    expect(decodeURIComponent(url.pathname.split('/').at(-1)!)).toBe('a b/c?d#e%f&g');
  });

  it('replaces path parameters by whole name, so one name that starts another is not confused', () => {
    const nested = operation({
      id: 'things.getPart',
      method: 'GET',
      // `:idx` comes first, so a plain text replace of `:id` would land inside it.
      path: '/api/parts/:idx/of/:id',
      kind: 'query',
      auth: 'public',
      summary: 'A part of a thing',
      input: z.object({ id: z.string(), idx: z.string() }),
      output: z.object({}),
    });
    expect(encodeRequest(nested, { id: 'thing-1', idx: '7' }, BASE_URL).url).toBe(`${BASE_URL}/api/parts/7/of/thing-1`);
  });
});
