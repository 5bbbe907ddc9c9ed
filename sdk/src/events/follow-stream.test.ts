import { describe, expect, it } from 'vitest';
import { createShopClient } from '../client.js';
import { ForbiddenError, NetworkError, NotFoundError, ValidationError } from '../errors.js';
import { connectionReset, scriptedStreamTransport, sse, sseMessage, streamProblem, type StreamStep } from '../testing/scripted-transport.js';
import { MAX_RECONNECT_DELAY_MS, reconnectDelayMs, type StreamOptions } from './follow-stream.js';

const event = (position: number) => ({ position, type: 'ProductCreated', eventId: `e${position}` });
const message = (position: number) => sseMessage(event(position), position);

const tail = (steps: StreamStep[]) => {
  const scripted = scriptedStreamTransport(steps);
  const client = createShopClient({ baseUrl: 'http://shop.test', token: 'operator-token', transport: scripted.transport });
  return { client, requests: scripted.requests };
};

/** Reads positions until `count` arrived, then aborts, and answers them. */
const take = async (messages: (options: StreamOptions) => AsyncIterable<{ position: number }>, count: number, options: StreamOptions = {}) => {
  const stop = new AbortController();
  const seen: number[] = [];
  for await (const item of messages({ reconnectDelayMs: 0, ...options, signal: stop.signal })) {
    seen.push(item.position);
    if (seen.length === count) stop.abort();
  }
  return seen;
};

describe('following a stream operation', () => {
  it('yields each message’s data, typed, and sends what an event stream needs', async () => {
    const { client, requests } = tail([sse([message(1), ': heartbeat\n\n', message(2)])]);
    expect(await take((options) => client.ops.events.live({ types: 'ProductCreated' }, options), 2)).toEqual([1, 2]);
    expect(requests[0]!.url).toBe('http://shop.test/api/ops/events/live?types=ProductCreated');
    expect(requests[0]!.headers).toMatchObject({ accept: 'text/event-stream', authorization: 'Bearer operator-token' });
    expect(requests[0]!.headers).not.toHaveProperty('last-event-id');
  });

  it('reconnects after a dropped connection from the last id it saw, dropping `after` from the query so the header counts', async () => {
    const { client, requests } = tail([sse([message(11), message(12), 'id: 13\ndata: {"posi'], 'reset'), sse([message(13), message(14)])]);
    expect(await take((options) => client.ops.events.live({ after: 10 }, options), 4)).toEqual([11, 12, 13, 14]);
    expect(requests[0]!.url).toContain('after=10');
    expect(requests[1]!.url).not.toContain('after=');
    expect(requests[1]!.headers['last-event-id']).toBe('12');
  });

  it('keeps the caller’s `after` when the first connection failed before any message', async () => {
    const { client, requests } = tail([connectionReset(), sse([message(6)])]);
    expect(await take((options) => client.ops.events.live({ after: 5 }, options), 1)).toEqual([6]);
    expect(requests.map((request) => request.url)).toEqual([
      'http://shop.test/api/ops/events/live?after=5',
      'http://shop.test/api/ops/events/live?after=5',
    ]);
  });

  it('resumes from an id-only block, where the server says the stream stands before any message', async () => {
    const { client, requests } = tail([sse(['id: 40\n\n'], 'reset'), sse([message(41)])]);
    expect(await take((options) => client.ops.events.live({}, options), 1)).toEqual([41]);
    expect(requests[1]!.headers['last-event-id']).toBe('40');
  });

  it('retries a 5xx and a refused connection, and comes back after the server closes the stream', async () => {
    const { client, requests } = tail([
      streamProblem(503, 'unavailable'),
      connectionReset(),
      sse([message(1)], 'close'),
      streamProblem(502, 'bad_gateway'),
      sse([message(2)]),
    ]);
    expect(await take((options) => client.ops.events.live({}, options), 2)).toEqual([1, 2]);
    expect(requests).toHaveLength(5);
    expect(requests[3]!.headers['last-event-id']).toBe('1');
  });

  it('reconnects at once on a `reconnect` event, even with a long reconnect delay', async () => {
    const { client, requests } = tail([sse([message(1), 'event: reconnect\ndata: {"reason":"slow_client","lastEventId":"1"}\n\n', message(99)]), sse([message(2)])]);
    expect(await take((options) => client.ops.events.live({}, options), 2, { reconnectDelayMs: 60_000 })).toEqual([1, 2]);
    expect(requests[1]!.headers['last-event-id']).toBe('1');
  });

  it.each([
    [403, ForbiddenError],
    [404, NotFoundError],
    [400, ValidationError],
  ])('throws a %i at connect as its typed error, without retrying', async (status, ErrorClass) => {
    const { client, requests } = tail([streamProblem(status, 'refused'), sse([message(1)])]);
    await expect(take((options) => client.ops.events.live({}, options), 1)).rejects.toBeInstanceOf(ErrorClass);
    expect(requests).toHaveLength(1);
  });

  it('throws an `error` event’s problem as its typed error, after the messages before it', async () => {
    const problemBody = { type: 'urn:eventshop:problem:validation_failed', title: 'Invalid input', status: 400, code: 'validation_failed', detail: 'after: no such position' };
    const { client } = tail([sse([message(1), `event: error\ndata: ${JSON.stringify(problemBody)}\n\n`])]);
    const seen: number[] = [];
    const failure = await (async () => {
      for await (const item of client.ops.events.live({}, { reconnectDelayMs: 0 })) seen.push(item.position);
    })().catch((error: unknown) => error);
    expect(seen).toEqual([1]);
    expect(failure).toBeInstanceOf(ValidationError);
    expect(failure).toMatchObject({ status: 400, code: 'validation_failed', message: 'Invalid input: after: no such position' });
  });

  it('ends the loop without an error when the caller aborts, and closes the connection', async () => {
    let connection: AbortSignal | undefined;
    const { client } = tail([
      async (request) => {
        connection = request.signal;
        return sse([message(1)])(request);
      },
    ]);
    const stop = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const item of client.ops.events.live({}, { signal: stop.signal })) {
        seen.push(item.position);
        setTimeout(() => stop.abort(), 5); // while the loop waits for the next message
      }
      return 'ended';
    })();
    await expect(loop).resolves.toBe('ended');
    expect(seen).toEqual([1]);
    expect(connection!.aborted).toBe(true);
  });

  it('closes the connection when the loop breaks early', async () => {
    let connection: AbortSignal | undefined;
    const { client } = tail([
      async (request) => {
        connection = request.signal;
        return sse([message(1), message(2)])(request);
      },
    ]);
    for await (const item of client.ops.events.live()) if (item.position === 1) break;
    expect(connection!.aborted).toBe(true);
  });

  it('ends at once when aborted while waiting to reconnect', async () => {
    const { client, requests } = tail([connectionReset(), sse([message(1)])]);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    const seen: unknown[] = [];
    for await (const item of client.ops.events.live({}, { signal: stop.signal, reconnectDelayMs: 60_000 })) seen.push(item);
    expect(seen).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('reconnects when nothing, not even a heartbeat, arrives within idleTimeoutMs', async () => {
    const { client, requests } = tail([sse([message(1)]), sse([message(2)])]);
    expect(await take((options) => client.ops.events.live({}, options), 2, { idleTimeoutMs: 30 })).toEqual([1, 2]);
    expect(requests[1]!.headers['last-event-id']).toBe('1');
  });

  it('gives up after `retries` failed reconnects in a row with the last failure', async () => {
    const { client, requests } = tail([connectionReset(), connectionReset(), connectionReset()]);
    await expect(take((options) => client.ops.events.live({}, options), 1, { retries: 2 })).rejects.toBeInstanceOf(NetworkError);
    expect(requests).toHaveLength(3);
  });

  it('refuses at once to stream through a transport that has no stream()', () => {
    const client = createShopClient({ baseUrl: 'http://shop.test', transport: { request: () => Promise.reject(new Error('unused')) } });
    expect(() => client.ops.events.live()).toThrow(/transport has no stream\(\)/);
  });

  it('refuses invalid input before connecting', () => {
    const { client, requests } = tail([]);
    expect(() => client.ops.events.live({ types: 'not a type!' })).toThrow(ValidationError);
    expect(requests).toHaveLength(0);
  });
});

describe('the reconnect delay', () => {
  it('doubles per failure from the base, between half and all of the ceiling, capped', () => {
    expect(reconnectDelayMs(0, 1000, () => 0)).toBe(500);
    expect(reconnectDelayMs(0, 1000, () => 1)).toBe(1000);
    expect(reconnectDelayMs(3, 1000, () => 0.5)).toBe(6000);
    expect(reconnectDelayMs(20, 1000, () => 1)).toBe(MAX_RECONNECT_DELAY_MS);
    expect(reconnectDelayMs(5, 0, () => 1)).toBe(0);
  });
});
