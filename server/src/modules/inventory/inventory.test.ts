import { DeciderSpecification } from '@event-driven-io/emmett';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../infra/http/problems.js';
import { inventoryDecider, InsufficientStockError, presentInventory, ReservationClosedError, type InventoryEvent } from './inventory.js';

const given = DeciderSpecification.for(inventoryDecider);
const now = new Date('2026-11-24T12:00:00.000Z');
const at = now.toISOString();
const later = new Date('2026-11-24T12:30:00.000Z');
const inventoryId = '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const productId = '9a1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const reservationId = '11111111-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const expiresAt = '2026-11-24T12:15:00.000Z';

const tracked = (onHand = 10, threshold = 0): InventoryEvent => ({ type: 'InventoryTracked', data: { inventoryId, productId, onHand, threshold, trackedAt: at } });
const reserved = (quantity = 3, orderId = 'order-1'): InventoryEvent => ({
  type: 'StockReserved',
  data: { inventoryId, reservationId, orderId, quantity, expiresAt, reservedAt: at },
});
const reserve = (quantity = 3, orderId = 'order-1', when = now) =>
  ({ type: 'ReserveStock', data: { inventoryId, reservationId, orderId, quantity, expiresAt: new Date(expiresAt), now: when } }) as const;

describe('inventory decider', () => {
  describe('when untracked', () => {
    it('starts tracking a product', () =>
      given([]).when({ type: 'TrackInventory', data: { inventoryId, productId, onHand: 10, threshold: 0, now } }).then([tracked()]));
    it('tracks and alerts at once when it starts below its threshold', () =>
      given([])
        .when({ type: 'TrackInventory', data: { inventoryId, productId, onHand: 2, threshold: 5, now } })
        .then([tracked(2, 5), { type: 'LowStockDetected', data: { inventoryId, available: 2, threshold: 5, detectedAt: at } }]));
    it('refuses to reserve', () => given([]).when(reserve()).thenThrows((error) => error instanceof NotFoundError));
  });

  describe('when tracked', () => {
    it('refuses to track it twice', () =>
      given([tracked()])
        .when({ type: 'TrackInventory', data: { inventoryId, productId, onHand: 1, threshold: 0, now } })
        .thenThrows((error) => (error as { code?: string }).code === 'already_tracked'));
    it('reserves what is available', () => given([tracked()]).when(reserve()).then([reserved()]));
    it('refuses more than is available, saying how much is', () =>
      given([tracked(10), reserved(8)])
        .when(reserve(3, 'order-2'))
        .thenThrows((error) => error instanceof InsufficientStockError && /3 requested, 2 available/.test(error.message)));
    it('answers a repeated reservation for the same order with the hold it has, appending nothing', () =>
      given([tracked(), reserved()]).when(reserve(3)).thenNothingHappened());
    it('gives lapsed holds back before refusing for lack of stock', () =>
      given([tracked(10), reserved(8)])
        .when(reserve(3, 'order-2', later))
        .then([
          { type: 'ReservationExpired', data: { inventoryId, reservationId, orderId: 'order-1', quantity: 8, expiredAt: later.toISOString() } },
          { type: 'StockReserved', data: { inventoryId, reservationId, orderId: 'order-2', quantity: 3, expiresAt, reservedAt: later.toISOString() } },
        ]));
    it('sets the quantity on hand', () =>
      given([tracked()])
        .when({ type: 'SetStockLevel', data: { inventoryId, onHand: 20, reason: 'restock', now } })
        .then([{ type: 'StockLevelSet', data: { inventoryId, onHand: 20, previousOnHand: 10, reason: 'restock', setAt: at } }]));
    it('refuses a correction below what is reserved', () =>
      given([tracked(10), reserved(6)])
        .when({ type: 'SetStockLevel', data: { inventoryId, onHand: 5, reason: 'count_correction', now } })
        .thenThrows((error) => (error as { code?: string }).code === 'below_reserved'));
  });

  describe('with an open reservation', () => {
    it('allocates it: the units leave the quantity on hand', () =>
      given([tracked(), reserved()])
        .when({ type: 'AllocateReservation', data: { inventoryId, orderId: 'order-1', now } })
        .then([{ type: 'ReservationAllocated', data: { inventoryId, reservationId, orderId: 'order-1', quantity: 3, allocatedAt: at } }]));
    it('releases it', () =>
      given([tracked(), reserved()])
        .when({ type: 'ReleaseReservation', data: { inventoryId, orderId: 'order-1', now } })
        .then([{ type: 'ReservationReleased', data: { inventoryId, reservationId, orderId: 'order-1', quantity: 3, releasedAt: at } }]));
    it('expires it when its time has come, and not before', () => {
      given([tracked(), reserved()]).when({ type: 'ExpireReservation', data: { inventoryId, orderId: 'order-1', now } }).thenNothingHappened();
      given([tracked(), reserved()])
        .when({ type: 'ExpireReservation', data: { inventoryId, orderId: 'order-1', now: later } })
        .then([{ type: 'ReservationExpired', data: { inventoryId, reservationId, orderId: 'order-1', quantity: 3, expiredAt: later.toISOString() } }]);
    });
    it('refuses to allocate it once it has lapsed', () =>
      given([tracked(), reserved()])
        .when({ type: 'AllocateReservation', data: { inventoryId, orderId: 'order-1', now: later } })
        .thenThrows((error) => error instanceof ReservationClosedError && (error as { code?: string }).code === 'reservation_expired'));
  });

  describe('with a closed or unknown reservation', () => {
    const released: InventoryEvent = { type: 'ReservationReleased', data: { inventoryId, reservationId, orderId: 'order-1', quantity: 3, releasedAt: at } };
    it('says it was released', () =>
      given([tracked(), reserved(), released])
        .when({ type: 'AllocateReservation', data: { inventoryId, orderId: 'order-1', now } })
        .thenThrows((error) => (error as { code?: string }).code === 'reservation_released' && /already released/.test((error as Error).message)));
    it('says it does not know it', () =>
      given([tracked()])
        .when({ type: 'ReleaseReservation', data: { inventoryId, orderId: 'order-9', now } })
        .thenThrows((error) => (error as { code?: string }).code === 'unknown_reservation'));
  });

  describe('low-stock alerts', () => {
    const detected = (available: number): InventoryEvent => ({ type: 'LowStockDetected', data: { inventoryId, available, threshold: 5, detectedAt: at } });
    it('records one when availability falls below the threshold', () =>
      given([tracked(10, 5)]).when(reserve(6)).then([{ ...reserved(6) }, detected(4)]));
    it('records no second one while it stays below', () =>
      given([tracked(10, 5), reserved(6), detected(4)]).when(reserve(1, 'order-2')).then([{ ...reserved(1, 'order-2') }]));
    it('records one again only after availability rose to the threshold', () =>
      given([
        tracked(10, 5),
        reserved(6),
        detected(4),
        { type: 'StockLevelSet', data: { inventoryId, onHand: 20, previousOnHand: 10, reason: 'restock', setAt: at } },
      ])
        .when({ type: 'SetStockLevel', data: { inventoryId, onHand: 8, reason: 'count_correction', now } })
        .then([{ type: 'StockLevelSet', data: { inventoryId, onHand: 8, previousOnHand: 20, reason: 'count_correction', setAt: at } }, detected(2)]));
  });

  describe('when an allocated order is cancelled before it ships', () => {
    const allocated: InventoryEvent = { type: 'ReservationAllocated', data: { inventoryId, reservationId, orderId: 'order-1', quantity: 3, allocatedAt: at } };
    const returned: InventoryEvent = { type: 'AllocationReturned', data: { inventoryId, reservationId, orderId: 'order-1', quantity: 3, returnedAt: at } };
    const giveBack = { type: 'ReturnAllocation', data: { inventoryId, orderId: 'order-1', now } } as const;
    it('puts the sold units back on hand', () => {
      given([tracked(), reserved(), allocated]).when(giveBack).then([returned]);
      const state = [tracked(), reserved(), allocated, returned].reduce(inventoryDecider.evolve, inventoryDecider.initialState());
      expect(state).toMatchObject({ onHand: 10, reserved: 0 });
    });
    it('does it once: asked again, nothing happens', () => given([tracked(), reserved(), allocated, returned]).when(giveBack).then([]));
    it('does nothing for an order whose units were only held', () => given([tracked(), reserved()]).when(giveBack).then([]));
  });
});

describe('a hot item with thousands of open reservations', () => {
  const holds = Array.from({ length: 5000 }, (_, i) => ({
    type: 'StockReserved' as const,
    data: { inventoryId, reservationId: `r-${i}`, orderId: `hot-${i}`, quantity: 1, expiresAt: new Date(now.getTime() + (i + 1) * 1000).toISOString(), reservedAt: at },
  }));
  const state = [tracked(1_000_000), ...holds].reduce(inventoryDecider.evolve, inventoryDecider.initialState());

  it('still answers a repeated reservation with the hold it has, and finds one among thousands to allocate', () => {
    expect(inventoryDecider.decide(reserve(1, 'hot-2500'), state)).toEqual([]);
    expect(inventoryDecider.decide({ type: 'AllocateReservation', data: { inventoryId, orderId: 'hot-4999', now } }, state)).toEqual([
      { type: 'ReservationAllocated', data: { inventoryId, reservationId: 'r-4999', orderId: 'hot-4999', quantity: 1, allocatedAt: at } },
    ]);
  });

  it('gives back exactly the lapsed ones, oldest first, when a reservation comes after they lapsed', () => {
    const threeSecondsOn = new Date(now.getTime() + 3000);
    const events = inventoryDecider.decide(reserve(1, 'late', threeSecondsOn), state);
    expect(events.map((event) => [event.type, (event.data as { orderId?: string }).orderId])).toEqual([
      ['ReservationExpired', 'hot-0'],
      ['ReservationExpired', 'hot-1'],
      ['ReservationExpired', 'hot-2'],
      ['StockReserved', 'late'],
    ]);
  });

  it('evolves by sharing what did not change: the state before an event is left as it was', () => {
    const after = inventoryDecider.evolve(state, { type: 'ReservationReleased', data: { inventoryId, reservationId: 'r-7', orderId: 'hot-7', quantity: 1, releasedAt: at } });
    expect(presentInventory(state)).toMatchObject({ reserved: 5000, reservations: { 'hot-7': { reservationId: 'r-7' } } });
    expect(presentInventory(after)).toMatchObject({ reserved: 4999 });
    expect(Object.keys((presentInventory(after) as { reservations: object }).reservations)).toHaveLength(4999);
    expect(() => inventoryDecider.decide({ type: 'AllocateReservation', data: { inventoryId, orderId: 'hot-7', now } }, after)).toThrow(/already released/);
    expect(inventoryDecider.decide({ type: 'AllocateReservation', data: { inventoryId, orderId: 'hot-7', now } }, state)).toHaveLength(1);
  });
});
