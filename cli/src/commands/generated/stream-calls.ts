import type { ShopClient } from '@eventshop/sdk';
import { sdkMethodOf } from './sdk-calls.js';

type StreamMethod = (input: Record<string, unknown>, options: { signal: AbortSignal }) => AsyncIterable<unknown>;

/**
 * The messages of a `stream` operation until `signal` aborts, through the SDK's stream method
 * (`client.ops.events.live`): an AsyncIterable that resumes after a dropped connection from the
 * last message it gave, and simply ends when the signal aborts.
 */
export const streamMessages = (client: ShopClient, operationId: string, input: Record<string, unknown>, signal: AbortSignal): AsyncIterable<unknown> => {
  const method = sdkMethodOf(client, operationId) as unknown as StreamMethod | undefined;
  if (!method) throw new TypeError(`The SDK has no stream method for ${operationId}`);
  return method(input, { signal });
};
