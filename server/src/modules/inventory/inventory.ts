import { inventoryEvents, type DomainEventOf } from '@eventshop/sdk/contract';
import { HttpProblem, InvalidStateError, NotFoundError } from '../../infra/http/problems.js';
import { deciderFingerprint } from '../../infra/snapshots.js';
import { emptyMap, entriesOf, entriesWhile, getKey, removeKey, setKey, sortedMapCode, type SortedMap } from './sorted-map.js';

// ---- Events (schemas in the contract) ----

export type InventoryTracked = DomainEventOf<typeof inventoryEvents.InventoryTracked>;
export type StockLevelSet = DomainEventOf<typeof inventoryEvents.StockLevelSet>;
export type LowStockThresholdSet = DomainEventOf<typeof inventoryEvents.LowStockThresholdSet>;
export type StockReserved = DomainEventOf<typeof inventoryEvents.StockReserved>;
export type ReservationReleased = DomainEventOf<typeof inventoryEvents.ReservationReleased>;
export type ReservationExpired = DomainEventOf<typeof inventoryEvents.ReservationExpired>;
export type ReservationAllocated = DomainEventOf<typeof inventoryEvents.ReservationAllocated>;
export type LowStockDetected = DomainEventOf<typeof inventoryEvents.LowStockDetected>;
export type AllocationReturned = DomainEventOf<typeof inventoryEvents.AllocationReturned>;
export type InventoryEvent =
  | InventoryTracked
  | StockLevelSet
  | LowStockThresholdSet
  | StockReserved
  | ReservationReleased
  | ReservationExpired
  | ReservationAllocated
  | LowStockDetected
  | AllocationReturned;

export const inventoryEventTypes = Object.keys(inventoryEvents) as InventoryEvent['type'][];

// ---- Commands: each carries its time, so deciding never reads a clock ----

export type TrackInventory = { type: 'TrackInventory'; data: { inventoryId: string; productId: string; onHand: number; threshold: number; now: Date } };
export type SetStockLevel = { type: 'SetStockLevel'; data: { inventoryId: string; onHand: number; reason: 'restock' | 'count_correction'; now: Date } };
export type SetLowStockThreshold = { type: 'SetLowStockThreshold'; data: { inventoryId: string; threshold: number; now: Date } };
export type ReserveStock = {
  type: 'ReserveStock';
  data: { inventoryId: string; reservationId: string; orderId: string; quantity: number; expiresAt: Date; now: Date };
};
export type ReleaseReservation = { type: 'ReleaseReservation'; data: { inventoryId: string; orderId: string; now: Date } };
export type AllocateReservation = { type: 'AllocateReservation'; data: { inventoryId: string; orderId: string; now: Date } };
/** Sent by the fulfillment process for an order cancelled after its stock was allocated, before it shipped. */
export type ReturnAllocation = { type: 'ReturnAllocation'; data: { inventoryId: string; orderId: string; now: Date } };
/** Sent by the expiry processor for a reservation it found due; a no-op when it was closed meanwhile. */
export type ExpireReservation = { type: 'ExpireReservation'; data: { inventoryId: string; orderId: string; now: Date } };
export type InventoryCommand =
  | TrackInventory
  | SetStockLevel
  | SetLowStockThreshold
  | ReserveStock
  | ReleaseReservation
  | AllocateReservation
  | ExpireReservation
  | ReturnAllocation;

// ---- State ----

export type OpenReservation = { reservationId: string; quantity: number; expiresAt: string };
export type ClosedAs = 'released' | 'expired' | 'allocated' | 'returned';

/** How many closed reservations an item remembers, to say why one is closed; older ones read as unknown. */
export const CLOSED_REMEMBERED = 200;

export type Inventory =
  | { status: 'untracked' }
  | {
      status: 'tracked';
      productId: string;
      onHand: number;
      reserved: number;
      threshold: number;
      /**
       * Open reservations by order id, and the same keyed by expiry (`expiryKey`) so lapsed ones are
       * found from the oldest without looking at the rest. Both persistent: an event copies a path,
       * not the map, so a hot item's cost per command does not grow with its open holds.
       */
      reservations: SortedMap<OpenReservation>;
      expiring: SortedMap<string>;
      /** Recently closed reservations by order id, oldest first, at most CLOSED_REMEMBERED. */
      closed: [orderId: string, how: ClosedAs, reservationId: string, quantity: number][];
      /** LowStockDetected was recorded and availability has not recovered since. */
      lowStockAlerted: boolean;
    };

type Tracked = Extract<Inventory, { status: 'tracked' }>;

export const initialState = (): Inventory => ({ status: 'untracked' });

export const availableOf = (state: Tracked) => Math.max(0, state.onHand - state.reserved);

/** Sorts by expiry instant, then order: epoch milliseconds padded to a fixed width compare as strings. */
const expiryKey = (expiresAt: string, orderId: string) => `${String(Date.parse(expiresAt)).padStart(15, '0')} ${orderId}`;
const expiryOfKey = (key: string) => Number(key.slice(0, 15));

export const openReservation = (state: Tracked, orderId: string): OpenReservation | undefined => getKey(state.reservations, orderId);

const close = (state: Tracked, orderId: string, how: ClosedAs): Tracked => {
  const open = getKey(state.reservations, orderId);
  if (!open) return state;
  const closed = [...state.closed.filter(([id]) => id !== orderId), [orderId, how, open.reservationId, open.quantity] as Tracked['closed'][number]].slice(-CLOSED_REMEMBERED);
  return {
    ...state,
    reservations: removeKey(state.reservations, orderId),
    expiring: removeKey(state.expiring, expiryKey(open.expiresAt, orderId)),
    closed,
    reserved: state.reserved - open.quantity,
    onHand: how === 'allocated' ? state.onHand - open.quantity : state.onHand,
  };
};

/** After any change, an alert stays only while availability is still below the threshold. */
const withAlertCleared = (state: Tracked): Tracked =>
  state.lowStockAlerted && availableOf(state) >= state.threshold ? { ...state, lowStockAlerted: false } : state;

export const evolve = (state: Inventory, event: InventoryEvent): Inventory => {
  if (event.type === 'InventoryTracked') {
    const { productId, onHand, threshold } = event.data;
    return { status: 'tracked', productId, onHand, reserved: 0, threshold, reservations: emptyMap(), expiring: emptyMap(), closed: [], lowStockAlerted: false };
  }
  if (state.status === 'untracked') return state;
  switch (event.type) {
    case 'StockLevelSet':
      return withAlertCleared({ ...state, onHand: event.data.onHand });
    case 'LowStockThresholdSet':
      return withAlertCleared({ ...state, threshold: event.data.threshold });
    case 'StockReserved': {
      const { orderId, reservationId, quantity, expiresAt } = event.data;
      const replaced = getKey(state.reservations, orderId);
      const expiring = replaced ? removeKey(state.expiring, expiryKey(replaced.expiresAt, orderId)) : state.expiring;
      return {
        ...state,
        reservations: setKey(state.reservations, orderId, { reservationId, quantity, expiresAt }),
        expiring: setKey(expiring, expiryKey(expiresAt, orderId), orderId),
        closed: state.closed.filter(([id]) => id !== orderId),
        reserved: state.reserved + quantity,
      };
    }
    case 'ReservationReleased':
      return withAlertCleared(close(state, event.data.orderId, 'released'));
    case 'ReservationExpired':
      return withAlertCleared(close(state, event.data.orderId, 'expired'));
    case 'ReservationAllocated':
      return withAlertCleared(close(state, event.data.orderId, 'allocated'));
    case 'LowStockDetected':
      return { ...state, lowStockAlerted: true };
    case 'AllocationReturned': {
      const { orderId, quantity } = event.data;
      const closed = state.closed.map((entry) => (entry[0] === orderId && entry[1] === 'allocated' ? ([entry[0], 'returned', entry[2], entry[3]] as Tracked['closed'][number]) : entry));
      return withAlertCleared({ ...state, closed, onHand: state.onHand + quantity });
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
};

// ---- Problems a client can cause, in plain words ----

export class InsufficientStockError extends HttpProblem {
  constructor(requested: number, available: number) {
    super(409, 'insufficient_stock', 'Not enough stock', `${requested} requested, ${available} available.`, { available });
  }
}

export class ReservationClosedError extends HttpProblem {
  constructor(orderId: string, how: ClosedAs | 'unknown') {
    const detail =
      how === 'unknown' ? `There is no reservation for order ${orderId}.` : `The reservation for order ${orderId} was already ${how}.`;
    super(409, how === 'unknown' ? 'unknown_reservation' : `reservation_${how}`, 'The reservation cannot be used', detail, { reservationStatus: how });
  }
}

// ---- Decisions ----

const tracked = (state: Inventory, inventoryId: string): Tracked => {
  if (state.status === 'untracked') throw new NotFoundError('Inventory item', inventoryId);
  return state;
};

/** Appends LowStockDetected when these events take availability below the threshold while no alert stands. */
const withLowStockCheck = (state: Inventory, events: InventoryEvent[], at: string): InventoryEvent[] => {
  const after = events.reduce<Inventory>(evolve, state);
  if (events.length === 0 || after.status !== 'tracked' || after.lowStockAlerted || availableOf(after) >= after.threshold) return events;
  const inventoryId = events[0]!.data.inventoryId;
  return [...events, { type: 'LowStockDetected', data: { inventoryId, available: availableOf(after), threshold: after.threshold, detectedAt: at } }];
};

const open = (state: Tracked, orderId: string, now: Date): OpenReservation => {
  const reservation = getKey(state.reservations, orderId);
  if (reservation) {
    if (new Date(reservation.expiresAt) <= now) throw new ReservationClosedError(orderId, 'expired');
    return reservation;
  }
  const closed = state.closed.find(([id]) => id === orderId);
  throw new ReservationClosedError(orderId, closed ? closed[1] : 'unknown');
};

const track = ({ data }: TrackInventory, state: Inventory): InventoryEvent[] => {
  if (state.status !== 'untracked') throw new HttpProblem(409, 'already_tracked', 'This product’s stock is already tracked', `Inventory item ${data.inventoryId} exists; change it with set-stock.`);
  const at = data.now.toISOString();
  const trackedEvent: InventoryTracked = {
    type: 'InventoryTracked',
    data: { inventoryId: data.inventoryId, productId: data.productId, onHand: data.onHand, threshold: data.threshold, trackedAt: at },
  };
  return withLowStockCheck(state, [trackedEvent], at);
};

const setStock = ({ data }: SetStockLevel, state: Inventory): InventoryEvent[] => {
  const item = tracked(state, data.inventoryId);
  if (data.onHand < item.reserved) {
    throw new HttpProblem(409, 'below_reserved', 'That would make availability negative', `${item.reserved} units are reserved; set at least ${item.reserved}, or release reservations first.`, {
      reserved: item.reserved,
    });
  }
  if (data.onHand === item.onHand) return [];
  const at = data.now.toISOString();
  return withLowStockCheck(item, [{ type: 'StockLevelSet', data: { inventoryId: data.inventoryId, onHand: data.onHand, previousOnHand: item.onHand, reason: data.reason, setAt: at } }], at);
};

const setThreshold = ({ data }: SetLowStockThreshold, state: Inventory): InventoryEvent[] => {
  const item = tracked(state, data.inventoryId);
  if (data.threshold === item.threshold) return [];
  const at = data.now.toISOString();
  return withLowStockCheck(item, [{ type: 'LowStockThresholdSet', data: { inventoryId: data.inventoryId, threshold: data.threshold, setAt: at } }], at);
};

/** Reservations past their expiry that the expiry processor has not closed yet, oldest first; the rest are not looked at. */
const due = (state: Tracked, now: Date): [string, OpenReservation][] =>
  entriesWhile(state.expiring, (key) => expiryOfKey(key) <= now.getTime()).map(([, orderId]) => [orderId, getKey(state.reservations, orderId)!]);

const reserve = ({ data }: ReserveStock, state: Inventory): InventoryEvent[] => {
  const item = tracked(state, data.inventoryId);
  const existing = getKey(item.reservations, data.orderId);
  // The same order asking again gets the hold it has: a retry must never reserve twice.
  if (existing && new Date(existing.expiresAt) > data.now) return [];
  const at = data.now.toISOString();
  // Lapsed holds give their units back first, so a busy product never waits for the expiry processor.
  const expired: InventoryEvent[] = due(item, data.now).map(([orderId, reservation]) => ({
    type: 'ReservationExpired',
    data: { inventoryId: data.inventoryId, reservationId: reservation.reservationId, orderId, quantity: reservation.quantity, expiredAt: at },
  }));
  const afterExpiry = expired.reduce<Inventory>(evolve, item) as Tracked;
  if (data.quantity > availableOf(afterExpiry)) throw new InsufficientStockError(data.quantity, availableOf(afterExpiry));
  const reserved: StockReserved = {
    type: 'StockReserved',
    data: {
      inventoryId: data.inventoryId,
      reservationId: data.reservationId,
      orderId: data.orderId,
      quantity: data.quantity,
      expiresAt: data.expiresAt.toISOString(),
      reservedAt: at,
    },
  };
  return withLowStockCheck(item, [...expired, reserved], at);
};

const closeReservation = (how: 'released' | 'allocated') => ({ data }: ReleaseReservation | AllocateReservation, state: Inventory): InventoryEvent[] => {
  const item = tracked(state, data.inventoryId);
  const reservation = open(item, data.orderId, data.now);
  const at = data.now.toISOString();
  const fields = { inventoryId: data.inventoryId, reservationId: reservation.reservationId, orderId: data.orderId, quantity: reservation.quantity };
  const event: InventoryEvent =
    how === 'released' ? { type: 'ReservationReleased', data: { ...fields, releasedAt: at } } : { type: 'ReservationAllocated', data: { ...fields, allocatedAt: at } };
  return withLowStockCheck(item, [event], at);
};

const expire = ({ data }: ExpireReservation, state: Inventory): InventoryEvent[] => {
  const item = tracked(state, data.inventoryId);
  const reservation = getKey(item.reservations, data.orderId);
  // Closed meanwhile (allocated, released, re-reserved) or not due: nothing to do.
  if (!reservation || new Date(reservation.expiresAt) > data.now) return [];
  const at = data.now.toISOString();
  return withLowStockCheck(item, [
    { type: 'ReservationExpired', data: { inventoryId: data.inventoryId, reservationId: reservation.reservationId, orderId: data.orderId, quantity: reservation.quantity, expiredAt: at } },
  ], at);
};

/** The units of an allocation come back on hand once; asked again, or for an order never allocated, nothing happens. */
const returnAllocation = ({ data }: ReturnAllocation, state: Inventory): InventoryEvent[] => {
  const item = tracked(state, data.inventoryId);
  const allocated = item.closed.find(([orderId, how]) => orderId === data.orderId && how === 'allocated');
  if (!allocated) return [];
  const [, , reservationId, quantity] = allocated;
  return [{ type: 'AllocationReturned', data: { inventoryId: data.inventoryId, reservationId, orderId: data.orderId, quantity, returnedAt: data.now.toISOString() } }];
};

export const decide = (command: InventoryCommand, state: Inventory): InventoryEvent[] => {
  switch (command.type) {
    case 'TrackInventory':
      return track(command, state);
    case 'SetStockLevel':
      return setStock(command, state);
    case 'SetLowStockThreshold':
      return setThreshold(command, state);
    case 'ReserveStock':
      return reserve(command, state);
    case 'ReleaseReservation':
      return closeReservation('released')(command, state);
    case 'AllocateReservation':
      return closeReservation('allocated')(command, state);
    case 'ExpireReservation':
      return expire(command, state);
    case 'ReturnAllocation':
      return returnAllocation(command, state);
    default: {
      const _exhaustive: never = command;
      throw new InvalidStateError(`Unknown command ${(_exhaustive as InventoryCommand).type}`);
    }
  }
};

export const inventoryDecider = {
  decide,
  evolve,
  initialState,
  snapshotFingerprint: deciderFingerprint(evolve, initialState, close, withAlertCleared, expiryKey, ...sortedMapCode),
  // evolve never changes a state it is given, so the last one can be kept warm between commands.
  keepsStateWarm: true,
};

/** The item as history shows it: open reservations as a plain map by order, not the trees that hold them. */
export const presentInventory = (state: Inventory) => {
  if (state.status !== 'tracked') return state;
  const { expiring: _byExpiry, reservations, ...rest } = state;
  return { ...rest, reservations: Object.fromEntries(entriesOf(reservations)) };
};

export const inventoryStreamName = (inventoryId: string) => `inventory-${inventoryId}`;
