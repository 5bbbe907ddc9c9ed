import { PassThrough } from 'node:stream';
import type { Io, OutputStream } from '../context.js';

/** A stream that remembers what was written, posing as a terminal or a pipe. */
export type CapturedStream = OutputStream & { text(): string };

export const capturedStream = (isTTY: boolean): CapturedStream => {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = isTTY;
  let written = '';
  stream.on('data', (chunk: Buffer) => {
    written += chunk.toString('utf8');
  });
  return Object.assign(stream, { text: () => written });
};

/** Streams for a command under test: stdout/stderr terminals or pipes, and a stdin that is neither used nor a TTY. */
export const testIo = (options: { tty: boolean }): Io & { stdout: CapturedStream; stderr: CapturedStream } => ({
  stdout: capturedStream(options.tty),
  stderr: capturedStream(options.tty),
  stdin: Object.assign(new PassThrough(), { isTTY: options.tty }),
});
