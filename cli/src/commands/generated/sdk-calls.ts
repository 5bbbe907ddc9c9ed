import type { ApiResponse, ShopClient } from '@eventshop/sdk';
import { idSegments } from '@eventshop/sdk/contract';

type UntypedInput = Record<string, unknown>;
type PageIterator = (input: UntypedInput) => AsyncIterable<unknown>;

/**
 * Generated commands know an operation only by its id at run time, so the SDK's per-operation
 * types cannot follow them here. These adapters are the only place that steps around them.
 */
export const callOperation = (client: ShopClient, operationId: string, input: UntypedInput): Promise<ApiResponse<unknown>> =>
  (client.callWithResponse as (id: string, input: UntypedInput) => Promise<ApiResponse<unknown>>)(operationId, input);

/** The SDK's method for an operation: every id segment nests (`client.ops.streams.list` for `ops.streams.list`). */
export const sdkMethodOf = (client: ShopClient, operationId: string): Record<string, unknown> | undefined => {
  const method = idSegments(operationId).reduce<unknown>(
    (node, segment) => ((typeof node === 'object' || typeof node === 'function') && node !== null ? (node as Record<string, unknown>)[segment] : undefined),
    client,
  );
  return typeof method === 'function' ? (method as unknown as Record<string, unknown>) : undefined;
};

/** Every item of a paginated operation, through the SDK's own page iterator (`client.ops.events.list.all`). */
export const allItems = async (client: ShopClient, operationId: string, input: UntypedInput): Promise<unknown[]> => {
  const iterate = sdkMethodOf(client, operationId)?.all as PageIterator | undefined;
  if (!iterate) throw new TypeError(`The SDK has no page iterator for ${operationId}`);
  const items: unknown[] = [];
  for await (const item of iterate(input)) items.push(item);
  return items;
};
