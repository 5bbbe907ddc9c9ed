import { describe, expect, it } from 'vitest';
import { formatLogLine, loggerOptions } from './logging.js';

const at = new Date(2026, 10, 24, 12, 4, 31).getTime();

describe('formatLogLine', () => {
  it('puts a request on one short line: time, status, method, path, duration', () => {
    const line = JSON.stringify({ level: 30, time: at, pid: 1, hostname: 'h', reqId: 'r', method: 'POST', url: '/api/products', statusCode: 201, responseTime: 4.2, msg: 'request completed' });
    expect(formatLogLine(line, { color: false })).toBe('12:04:31 201 POST /api/products 4.2 ms');
  });

  it('colours the status by class only when asked', () => {
    const line = (statusCode: number) => JSON.stringify({ level: 30, time: at, method: 'GET', url: '/x', statusCode, msg: 'request completed' });
    expect(formatLogLine(line(503), { color: true })).toContain('\u001b[31m503');
    expect(formatLogLine(line(404), { color: true })).toContain('\u001b[33m404');
    expect(formatLogLine(line(200), { color: true })).toContain('\u001b[32m200');
    expect(formatLogLine(line(200), { color: false })).not.toContain('\u001b[');
  });

  it('shows other entries with their level, message and own fields, and an error with its stack', () => {
    const warn = JSON.stringify({ level: 40, time: at, pid: 1, hostname: 'h', reqId: 'r', cause: 'Connection terminated', msg: 'database unavailable' });
    expect(formatLogLine(warn, { color: false })).toBe('12:04:31 WARN database unavailable cause="Connection terminated"');
    const error = JSON.stringify({ level: 50, time: at, err: { message: 'boom', stack: 'Error: boom\n    at here' }, msg: 'request failed' });
    expect(formatLogLine(error, { color: false })).toBe('12:04:31 ERROR request failed\nError: boom\n    at here');
  });

  it('passes a line that is not JSON through, and drops an empty one', () => {
    expect(formatLogLine('plain words\n', { color: false })).toBe('plain words');
    expect(formatLogLine('\n', { color: false })).toBeUndefined();
  });
});

describe('loggerOptions', () => {
  const sink = (isTTY: boolean) => {
    const written: string[] = [];
    return { isTTY, written, write: (text: string) => written.push(text) };
  };

  it('keeps JSON lines in a pipe', () => {
    expect(loggerOptions('info', sink(false), {})).toEqual({ level: 'info' });
  });

  it('writes readable lines to a terminal, without colour under NO_COLOR', () => {
    const terminal = sink(true);
    const options = loggerOptions('info', terminal, { NO_COLOR: '1' });
    options.stream!.write(`${JSON.stringify({ level: 30, time: at, method: 'GET', url: '/health', statusCode: 200, responseTime: 1, msg: 'request completed' })}\n`);
    expect(terminal.written).toEqual(['12:04:31 200 GET /health 1 ms\n']);
  });
});
