/**
 * An incremental Server-Sent Events parser, after the WHATWG "event stream interpretation"
 * rules: lines end in LF, CRLF or a lone CR; `:` starts a comment; `data` lines of one event are
 * joined with newlines; `id` is remembered across events (an event without one keeps the last);
 * `retry` takes digits only; a blank line dispatches. Chunks may split anywhere, even between
 * the CR and LF of one line ending or inside a multi-byte character (decode with `stream: true`).
 */

/** One dispatched event. `event` is `message` unless the server named it. */
export type SseEvent = { kind: 'event'; event: string; data: string; id: string | undefined };
/** The server's reconnection delay, in milliseconds. */
export type SseRetry = { kind: 'retry'; ms: number };
/** A comment line (`: heartbeat`): no content, but proof the connection is alive. */
export type SseComment = { kind: 'comment'; text: string };
export type SseItem = SseEvent | SseRetry | SseComment;

export class SseParser {
  private buffer = '';
  /** The last chunk ended in CR: a LF starting the next one belongs to the same line ending. */
  private afterCarriageReturn = false;
  private started = false;
  private data: string[] = [];
  private eventType = '';
  /** The id of the event being read; it counts only once the event is complete. */
  private idBuffer: string | undefined = undefined;
  /**
   * The id of the last complete event, kept across events without one, as EventSource does: what
   * a reconnect sends back as `Last-Event-ID`. An id-only block moves it too; a half-received event does not.
   */
  get lastEventId(): string | undefined {
    return this.committedId;
  }
  set lastEventId(id: string | undefined) {
    this.committedId = id;
    this.idBuffer = id;
  }
  private committedId: string | undefined = undefined;

  /** Feeds decoded text; answers what it completed. */
  push(text: string): SseItem[] {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.afterCarriageReturn && text.length > 0) {
      if (text.startsWith('\n')) text = text.slice(1);
      this.afterCarriageReturn = false;
    }
    this.buffer += text;
    const items: SseItem[] = [];
    let start = 0;
    for (let index = 0; index < this.buffer.length; index++) {
      const char = this.buffer.charCodeAt(index);
      if (char !== 10 && char !== 13) continue;
      this.line(this.buffer.slice(start, index), items);
      if (char === 13) {
        if (index + 1 === this.buffer.length) this.afterCarriageReturn = true;
        else if (this.buffer.charCodeAt(index + 1) === 10) index++;
      }
      start = index + 1;
    }
    this.buffer = this.buffer.slice(start);
    return items;
  }

  /**
   * The stream ended. An event without its closing blank line is dropped, as the standard says:
   * the connection broke before the server finished it, and it will come again after a reconnect.
   */
  end(): SseItem[] {
    this.buffer = '';
    this.idBuffer = this.committedId;
    this.data = [];
    this.eventType = '';
    return [];
  }

  private line(line: string, items: SseItem[]) {
    if (line === '') return this.dispatch(items);
    if (line.startsWith(':')) {
      items.push({ kind: 'comment', text: line.slice(1).replace(/^ /, '') });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) items.push({ kind: 'retry', ms: Number(value) });
        break;
      default:
      // Unknown fields are ignored, so servers can add some without breaking clients.
    }
  }

  private dispatch(items: SseItem[]) {
    this.committedId = this.idBuffer;
    const data = this.data;
    const event = this.eventType || 'message';
    this.data = [];
    this.eventType = '';
    // A block with no data line sets the id (above) but dispatches nothing.
    if (data.length === 0) return;
    items.push({ kind: 'event', event, data: data.join('\n'), id: this.lastEventId });
  }
}

/** Parses a byte or text stream as it arrives. */
export async function* parseSse(body: AsyncIterable<Uint8Array | string>, parser = new SseParser()): AsyncGenerator<SseItem> {
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    yield* parser.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  }
  yield* parser.push(decoder.decode());
  yield* parser.end();
}
