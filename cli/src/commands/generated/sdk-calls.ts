import type { ApiResponse, ShopClient } from '@eventshop/sdk';
import { idSegments } from '@eventshop/sdk/contract';

type UntypedInput = Record<string, unknown>;
type PageIterator = (input: UntypedInput) => AsyncIterable<unknown>;

/**
 * Generated commands know an operation only by its id at run time, so the SDK's per-operation
 * types cannot follow them here. These two adapters are the only place that steps around them.
 */
export const callOperation = (client: ShopClient, operationId: string, input: UntypedInput): Promise<ApiResponse<unknown>> =>
  (client.callWithResponse as (id: string, input: UntypedInput) => Promise<ApiResponse<unknown>>)(operationId, input);

/** Every item of a paginated operation, through the SDK's own page iterator (`client.group.name.all`). */
export const allItems = async (client: ShopClient, operationId: string, input: UntypedInput): Promise<unknown[]> => {
  // Every id segment nests in the SDK (`client.ops.events.list`), so walk them all.
  let method: unknown = client;
  for (const segment of idSegments(operationId)) method = (method as Record<string, unknown> | undefined)?.[segment];
  const iterate = (method as { all?: PageIterator } | undefined)?.all;
  if (!iterate) throw new TypeError(`The SDK has no page iterator for ${operationId}`);
  const items: unknown[] = [];
  for await (const item of iterate(input)) items.push(item);
  return items;
};
