export { createShopClient, DEFAULT_TIMEOUT_MS, SDK_VERSION, encodeRequest } from './client.js';
export type { ShopClient, ShopClientOptions, RequestOptions, ApiResponse, InputOf, OutputOf, Method, GroupClient } from './client.js';
export * from './errors.js';
export { undiciTransport } from './transport.js';
export type { Transport, TransportRequest, TransportResponse } from './transport.js';
export { DEFAULT_MAX_RETRIES, shouldRetry, retryDelayMs } from './retry.js';
export { operations } from './contract/index.js';
export type { OperationId, Operations, ProductView, Money, Problem, Role } from './contract/index.js';
// What readers of history get: `event.type === 'ProductPriceChanged'` narrows `event.data`.
export type { LoggedEvent, LoggedEventOf, EventTypeName } from './contract/index.js';
