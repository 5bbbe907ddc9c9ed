import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { operations, type OperationDefinition } from '@eventshop/sdk/contract';
import { serveEventStream } from './event-stream.js';

/** A socket whose buffer is full from the first event on and never drains: a client that stopped reading. */
class StalledSocket extends EventEmitter {
  written: string[] = [];
  ended = false;
  writeHead() {}
  write(chunk: string) {
    this.written.push(chunk);
    return !chunk.startsWith('id:');
  }
  end() {
    this.ended = true;
  }
}

const request = { id: 'req-1', log: { error() {} } } as never;

describe('an event stream to a client that stops reading', () => {
  it('stops producing, tells the client to reconnect from the last event it was sent, and closes', async () => {
    const raw = new StalledSocket();
    let produced = 0;
    async function* events() {
      for (let position = 1; position <= 1000; position++) {
        produced++;
        yield { position, type: 'ProductCreated' };
      }
    }
    await serveEventStream(
      request,
      { hijack() {}, raw } as never,
      operations['ops.events.live'] as OperationDefinition,
      events(),
      new AbortController(),
      { heartbeatMs: 60_000, slowClientMs: 50 },
    );
    // Memory stays bounded: nothing more was produced once the socket stopped taking data.
    expect(produced).toBe(1);
    expect(raw.written.at(-1)).toBe('event: reconnect\ndata: {"reason":"slow_client","lastEventId":"1"}\n\n');
    expect(raw.ended).toBe(true);
  });
});
