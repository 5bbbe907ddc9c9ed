import { ReplayError, type EventTypeName, type LoggedEvent, type ReplayProgress, type ReplaySummary, type ShopClient } from '@eventshop/sdk';
import { callOperation } from '../generated/sdk-calls.js';

/** Which part of the log a replay goes through, as the SDK's `EventFilter` spells it. */
export type ReplayFilter = { after?: number; types?: string[]; streamType?: string; since?: string; until?: string };
export type EventCount = { count: number; firstPosition: number | null; lastPosition: number | null; firstAt: string | null; lastAt: string | null };

export { ReplayError };

/** How many events the filter matches, and the range they span (`ops.events.count`, what --dry-run prints). */
export const countEvents = async (client: ShopClient, { types, ...filter }: ReplayFilter): Promise<EventCount> =>
  (await callOperation(client, 'ops.events.count', { ...filter, ...(types && types.length > 0 ? { types: types.join(',') } : {}) })).data as EventCount;

/** Runs `handler` over every event the filter matches, oldest first, with progress: the SDK's replay. */
export const replayEvents = (
  client: ShopClient,
  { types, ...filter }: ReplayFilter,
  handler: (event: LoggedEvent) => unknown,
  options: { onProgress?: (progress: ReplayProgress) => void; signal?: AbortSignal },
): Promise<ReplaySummary> =>
  // The types come from the command line; the server refuses names it does not know.
  client.ops.events.replay({ ...filter, types: types as EventTypeName[] | undefined }, handler, options);
