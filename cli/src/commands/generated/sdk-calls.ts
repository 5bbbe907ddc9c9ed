import type { ApiResponse, ShopClient } from '@eventshop/sdk';
import { groupOf, nameOf } from '@eventshop/sdk/contract';

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
  const group = (client as unknown as Record<string, Record<string, { all?: PageIterator }>>)[groupOf(operationId)];
  const iterate = group?.[nameOf(operationId)]?.all;
  if (!iterate) throw new TypeError(`The SDK has no page iterator for ${operationId}`);
  const items: unknown[] = [];
  for await (const item of iterate(input)) items.push(item);
  return items;
};
