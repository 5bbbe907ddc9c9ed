import { DeciderSpecification } from '@event-driven-io/emmett';
import { describe, it } from 'vitest';
import { InvalidStateError, NotFoundError } from '../../infra/http/problems.js';
import { productDecider, type ProductCreated, type ProductDiscontinued } from './products.js';

const given = DeciderSpecification.for(productDecider);
const now = new Date('2026-11-24T12:00:00.000Z');
const productId = '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const price = { amount: 1299, currency: 'USD' };

const created: ProductCreated = {
  type: 'ProductCreated',
  data: { productId, sku: 'CUP-1', name: 'Espresso cup', description: 'Porcelain', price, categoryId: 'kitchen', createdAt: now.toISOString() },
};
const discontinued: ProductDiscontinued = { type: 'ProductDiscontinued', data: { productId, discontinuedAt: now.toISOString() } };

describe('product decider', () => {
  describe('when the product does not exist', () => {
    it('creates it', () =>
      given([])
        .when({ type: 'CreateProduct', data: { productId, sku: 'CUP-1', name: 'Espresso cup', description: 'Porcelain', price, categoryId: 'kitchen', now } })
        .then([created]));

    it('refuses to change it', () =>
      given([])
        .when({ type: 'ChangeProduct', data: { productId, name: 'Mug', now } })
        .thenThrows((error) => error instanceof NotFoundError));

    it('refuses to discontinue it', () =>
      given([])
        .when({ type: 'DiscontinueProduct', data: { productId, now } })
        .thenThrows((error) => error instanceof NotFoundError));
  });

  describe('when active', () => {
    it('refuses to create it again', () =>
      given([created])
        .when({ type: 'CreateProduct', data: { ...created.data, now } })
        .thenThrows((error) => error instanceof InvalidStateError && /already exists/.test(error.message)));

    it('records only the details that differ', () =>
      given([created])
        .when({ type: 'ChangeProduct', data: { productId, name: 'Espresso cup', description: 'Fine porcelain', now } })
        .then([{ type: 'ProductDetailsChanged', data: { productId, description: 'Fine porcelain', changedAt: now.toISOString() } }]));

    it('records a price change with the previous price', () =>
      given([created])
        .when({ type: 'ChangeProduct', data: { productId, price: { amount: 1499, currency: 'USD' }, now } })
        .then([
          {
            type: 'ProductPriceChanged',
            data: { productId, price: { amount: 1499, currency: 'USD' }, previousPrice: price, changedAt: now.toISOString() },
          },
        ]));

    it('records details and price together when both change', () =>
      given([created])
        .when({ type: 'ChangeProduct', data: { productId, categoryId: 'cups', price: { amount: 999, currency: 'USD' }, now } })
        .then([
          { type: 'ProductDetailsChanged', data: { productId, categoryId: 'cups', changedAt: now.toISOString() } },
          { type: 'ProductPriceChanged', data: { productId, price: { amount: 999, currency: 'USD' }, previousPrice: price, changedAt: now.toISOString() } },
        ]));

    it('appends nothing when nothing changes', () =>
      given([created])
        .when({ type: 'ChangeProduct', data: { productId, name: 'Espresso cup', price, now } })
        .thenNothingHappened());

    it('discontinues it', () => given([created]).when({ type: 'DiscontinueProduct', data: { productId, now } }).then([discontinued]));
  });

  describe('when discontinued', () => {
    it('refuses changes', () =>
      given([created, discontinued])
        .when({ type: 'ChangeProduct', data: { productId, name: 'Mug', now } })
        .thenThrows((error) => error instanceof InvalidStateError && /discontinued/.test(error.message)));

    it('refuses to discontinue it twice', () =>
      given([created, discontinued])
        .when({ type: 'DiscontinueProduct', data: { productId, now } })
        .thenThrows((error) => error instanceof InvalidStateError && /already discontinued/.test(error.message)));
  });
});
