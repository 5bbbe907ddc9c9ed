import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { OperationId, Operations } from '@eventshop/sdk/contract';
import type { Principal } from '../auth/tokens.js';
import type { EventMetadata } from '../eventstore.js';

/** What a handler knows about the request beyond its validated input. */
export type RequestContext = {
  principal: Principal | undefined;
  requestId: string;
  /** The injected clock's reading for this request. */
  now: Date;
  /** Metadata to stamp on every event this request appends. */
  metadata: EventMetadata;
  ip: string;
  /** Aborts when the client goes away: stream operations stop producing then. */
  signal: AbortSignal;
  setStatus(status: number): void;
  /** For operations whose contract asks for it (`rawBody`): the body's exact bytes and the headers, as a signature covers them. */
  raw?: { body: Buffer; headers: IncomingHttpHeaders };
};

/**
 * A query or command answers once. A stream operation checks its input, then resolves with the
 * messages to send one after another until `context.signal` says the client left.
 */
export type Handler<Id extends OperationId> = (
  input: z.output<Operations[Id]['input']>,
  context: RequestContext,
) => Promise<Operations[Id]['kind'] extends 'stream' ? AsyncIterable<z.input<Operations[Id]['output']>> : z.input<Operations[Id]['output']>>;

/** Every operation must have exactly one handler: a missing or misspelled one fails to compile. */
export type HandlerTable = { [Id in OperationId]: Handler<Id> };

/** A module's share of the table. */
export type Handlers<Ids extends OperationId> = { [Id in Ids]: Handler<Id> };

export type OperationIdsOf<Group extends string> = Extract<OperationId, `${Group}.${string}`>;
