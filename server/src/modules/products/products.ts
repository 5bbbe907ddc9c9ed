import { productEvents, type DomainEventOf, type Money } from '@eventshop/sdk/contract';
import { InvalidStateError, NotFoundError } from '../../infra/http/problems.js';
import { deciderFingerprint } from '../../infra/snapshots.js';

// ---- Events: past-tense facts, the only thing that is stored. Their schemas are contract data. ----

export type ProductCreated = DomainEventOf<typeof productEvents.ProductCreated>;
export type ProductDetailsChanged = DomainEventOf<typeof productEvents.ProductDetailsChanged>;
export type ProductPriceChanged = DomainEventOf<typeof productEvents.ProductPriceChanged>;
export type ProductDiscontinued = DomainEventOf<typeof productEvents.ProductDiscontinued>;
export type ProductEvent = ProductCreated | ProductDetailsChanged | ProductPriceChanged | ProductDiscontinued;

export const productEventTypes = Object.keys(productEvents) as ProductEvent['type'][];

// ---- Commands: imperatives, carrying the time they happen so deciding never reads a clock ----

export type CreateProduct = {
  type: 'CreateProduct';
  data: { productId: string; sku: string | null; name: string; description: string; price: Money; categoryId: string; now: Date };
};
export type ChangeProduct = {
  type: 'ChangeProduct';
  data: { productId: string; name?: string; description?: string; price?: Money; categoryId?: string; now: Date };
};
export type DiscontinueProduct = { type: 'DiscontinueProduct'; data: { productId: string; now: Date } };
export type ProductCommand = CreateProduct | ChangeProduct | DiscontinueProduct;

// ---- State ----

type ProductDetails = { name: string; description: string; price: Money; categoryId: string; sku: string | null };
export type Product =
  | { status: 'empty' }
  | ({ status: 'active' } & ProductDetails)
  | ({ status: 'discontinued' } & ProductDetails);

export const initialState = (): Product => ({ status: 'empty' });

export const evolve = (state: Product, event: ProductEvent): Product => {
  switch (event.type) {
    case 'ProductCreated': {
      const { sku, name, description, price, categoryId } = event.data;
      return { status: 'active', sku, name, description, price, categoryId };
    }
    case 'ProductDetailsChanged': {
      if (state.status === 'empty') return state;
      const { name, description, categoryId } = event.data;
      return {
        ...state,
        name: name ?? state.name,
        description: description ?? state.description,
        categoryId: categoryId ?? state.categoryId,
      };
    }
    case 'ProductPriceChanged':
      return state.status === 'empty' ? state : { ...state, price: event.data.price };
    case 'ProductDiscontinued':
      return state.status === 'empty' ? state : { ...state, status: 'discontinued' };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
};

// ---- Decisions ----

const create = ({ data }: CreateProduct, state: Product): ProductCreated => {
  if (state.status !== 'empty') throw new InvalidStateError('Product already exists');
  return {
    type: 'ProductCreated',
    data: {
      productId: data.productId,
      sku: data.sku,
      name: data.name,
      description: data.description,
      price: data.price,
      categoryId: data.categoryId,
      createdAt: data.now.toISOString(),
    },
  };
};

/** Only what actually differs becomes an event; a change to nothing appends nothing. */
const change = ({ data }: ChangeProduct, state: Product): ProductEvent[] => {
  if (state.status === 'empty') throw new NotFoundError('Product', data.productId);
  if (state.status === 'discontinued') throw new InvalidStateError('Product is discontinued and can no longer be changed');
  const changedAt = data.now.toISOString();
  const events: ProductEvent[] = [];
  const details: Omit<ProductDetailsChanged['data'], 'productId' | 'changedAt'> = {};
  if (data.name !== undefined && data.name !== state.name) details.name = data.name;
  if (data.description !== undefined && data.description !== state.description) details.description = data.description;
  if (data.categoryId !== undefined && data.categoryId !== state.categoryId) details.categoryId = data.categoryId;
  if (Object.keys(details).length > 0) {
    events.push({ type: 'ProductDetailsChanged', data: { productId: data.productId, ...details, changedAt } });
  }
  if (data.price !== undefined && (data.price.amount !== state.price.amount || data.price.currency !== state.price.currency)) {
    events.push({
      type: 'ProductPriceChanged',
      data: { productId: data.productId, price: data.price, previousPrice: state.price, changedAt },
    });
  }
  return events;
};

const discontinue = ({ data }: DiscontinueProduct, state: Product): ProductDiscontinued => {
  if (state.status === 'empty') throw new NotFoundError('Product', data.productId);
  if (state.status === 'discontinued') throw new InvalidStateError('Product is already discontinued');
  return { type: 'ProductDiscontinued', data: { productId: data.productId, discontinuedAt: data.now.toISOString() } };
};

export const decide = (command: ProductCommand, state: Product): ProductEvent | ProductEvent[] => {
  switch (command.type) {
    case 'CreateProduct':
      return create(command, state);
    case 'ChangeProduct':
      return change(command, state);
    case 'DiscontinueProduct':
      return discontinue(command, state);
    default: {
      const _exhaustive: never = command;
      throw new Error(`Unknown command ${(_exhaustive as ProductCommand).type}`);
    }
  }
};

export const productDecider = { decide, evolve, initialState, snapshotFingerprint: deciderFingerprint(evolve, initialState) };

export const productStreamName = (productId: string) => `product-${productId}`;
