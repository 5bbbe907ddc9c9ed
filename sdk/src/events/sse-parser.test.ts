import { describe, expect, it } from 'vitest';
import { parseSse, SseParser, type SseItem } from './sse-parser.js';

const parseAll = (text: string) => new SseParser().push(text);

/** Feeds `text` cut at every given offset, so a test can split a stream anywhere. */
const parseInPieces = (text: string, cuts: number[]) => {
  const parser = new SseParser();
  const items: SseItem[] = [];
  let start = 0;
  for (const cut of [...cuts, text.length]) {
    items.push(...parser.push(text.slice(start, cut)));
    start = cut;
  }
  return { items, parser };
};

const STREAM = 'retry: 1000\n\n: heartbeat\n\nid: 7\ndata: {"a":1}\n\nevent: reconnect\ndata: {"reason":"slow_client"}\n\nid: 8\ndata: line one\ndata: line two\n\n';

const EXPECTED: SseItem[] = [
  { kind: 'retry', ms: 1000 },
  { kind: 'comment', text: 'heartbeat' },
  { kind: 'event', event: 'message', data: '{"a":1}', id: '7' },
  { kind: 'event', event: 'reconnect', data: '{"reason":"slow_client"}', id: '7' },
  { kind: 'event', event: 'message', data: 'line one\nline two', id: '8' },
];

describe('the SSE parser', () => {
  it('reads ids, data, named events, comments and retry', () => {
    expect(parseAll(STREAM)).toEqual(EXPECTED);
  });

  it('gives the same events however the stream is cut, at every single offset', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) expect(parseInPieces(STREAM, [cut]).items).toEqual(EXPECTED);
  });

  it('gives the same events fed one character at a time', () => {
    expect(parseInPieces(STREAM, [...STREAM].map((_, index) => index)).items).toEqual(EXPECTED);
  });

  it('takes CRLF and lone CR line endings, including a CRLF split between two chunks', () => {
    const crlf = STREAM.replaceAll('\n', '\r\n');
    const cr = STREAM.replaceAll('\n', '\r');
    expect(parseAll(crlf)).toEqual(EXPECTED);
    expect(parseAll(cr)).toEqual(EXPECTED);
    for (let cut = 0; cut <= crlf.length; cut++) expect(parseInPieces(crlf, [cut]).items).toEqual(EXPECTED);
    // A CR at the end of one chunk and the LF at the start of the next are one line ending, not two.
    expect(parseInPieces('data: a\r\n\r\ndata: b\r\n\r\n', [8, 10]).items.map((item) => (item as { data: string }).data)).toEqual(['a', 'b']);
  });

  it('keeps the last id across events without one, and lets an id-only block move it', () => {
    const { items, parser } = parseInPieces('id: 3\ndata: x\n\ndata: y\n\nid: 9\n\n', []);
    expect(items).toEqual([
      { kind: 'event', event: 'message', data: 'x', id: '3' },
      { kind: 'event', event: 'message', data: 'y', id: '3' },
    ]);
    expect(parser.lastEventId).toBe('9');
  });

  it('follows the standard’s field rules: one leading space, no colon, empty data, unknown fields, bad retry, NUL in id', () => {
    expect(parseAll('data:no space\n\ndata:  two spaces\n\ndata\n\ndata:\ndata:\n\nfoo: bar\ndata: z\n\nretry: 1s\nretry: 25\n\nid: a\0b\ndata: q\n\n')).toEqual([
      { kind: 'event', event: 'message', data: 'no space', id: undefined },
      { kind: 'event', event: 'message', data: ' two spaces', id: undefined },
      { kind: 'event', event: 'message', data: '', id: undefined },
      { kind: 'event', event: 'message', data: '\n', id: undefined },
      { kind: 'event', event: 'message', data: 'z', id: undefined },
      { kind: 'retry', ms: 25 },
      { kind: 'event', event: 'message', data: 'q', id: undefined },
    ]);
  });

  it('drops a named event type at the blank line, so the next event is a plain message', () => {
    expect(parseAll('event: error\n\ndata: after\n\n')).toEqual([{ kind: 'event', event: 'message', data: 'after', id: undefined }]);
  });

  it('drops an event whose blank line never came: the connection broke before it was finished', async () => {
    const chunks = async function* () {
      yield new TextEncoder().encode('id: 1\ndata: whole\n\nid: 2\ndata: half');
    };
    const parser = new SseParser();
    const items: SseItem[] = [];
    for await (const item of parseSse(chunks(), parser)) items.push(item);
    expect(items).toEqual([{ kind: 'event', event: 'message', data: 'whole', id: '1' }]);
    // Its id does not count either: resuming from 2 would skip the event that never arrived.
    expect(parser.lastEventId).toBe('1');
  });

  it('decodes UTF-8 split inside a character, and skips a leading byte order mark', async () => {
    const bytes = new TextEncoder().encode('\uFEFFdata: café ☕\n\n');
    const chunks = async function* () {
      for (const byte of bytes) yield Uint8Array.of(byte);
    };
    const items: SseItem[] = [];
    for await (const item of parseSse(chunks())) items.push(item);
    expect(items).toEqual([{ kind: 'event', event: 'message', data: 'café ☕', id: undefined }]);
  });
});
