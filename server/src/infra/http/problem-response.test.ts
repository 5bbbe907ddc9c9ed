import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../database/pool.js';
import { toProblem } from './problem-response.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('an unreachable database is a 503 the client may retry', () => {
  // A port that accepts connections and never answers: a frozen PostgreSQL, as the client sees it.
  const silent = net.createServer(() => {});
  const sockets: net.Socket[] = [];
  silent.on('connection', (socket) => sockets.push(socket));
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  const expectUnavailable = (error: unknown) => {
    const problem = toProblem(error, 'req-1');
    expect(problem.status).toBe(503);
    expect(problem.body).toMatchObject({ code: 'database_unavailable', status: 503, requestId: 'req-1' });
    expect(Number(problem.headers['retry-after'])).toBeGreaterThan(0);
  };

  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection due to unexpected postmaster exit'],
    ['57P03', 'the database system is starting up'],
    ['08006', 'connection failure'],
    ['57014', 'canceling statement due to statement timeout'],
  ])('maps SQLSTATE %s', (code, message) => expectUnavailable(pgError(code, message)));

  it('maps a refused connection from a real pool', async () => {
    const pool = createPool('postgres://nobody:nothing@127.0.0.1:1/none', 1);
    const error = await pool.query('SELECT 1').catch((caught: unknown) => caught);
    await pool.end();
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expectUnavailable(error);
  });

  it('maps a server that never answers: the pool gives up within its connect timeout', async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const pool = createPool(`postgres://nobody:nothing@127.0.0.1:${port}/none`, 1, { connectMs: 200 });
    const error = await pool.query('SELECT 1').catch((caught: unknown) => caught);
    await pool.end();
    expectUnavailable(error);
  });

  it('maps a driver error carried as a cause', () => expectUnavailable(new Error('append failed', { cause: new Error('Connection terminated unexpectedly') })));

  it('keeps other errors as they were', () => {
    expect(toProblem(pgError('23505', 'duplicate key value'), 'req-1').status).toBe(500);
    expect(toProblem(new Error('Something else'), 'req-1').status).toBe(500);
  });
});
