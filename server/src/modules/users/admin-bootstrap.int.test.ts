import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/database.js';
import { fixedClock } from '../../infra/clock.js';
import { loadConfig } from '../../infra/config.js';
import { createServer, type RunningServer } from '../../server.js';

const EMAIL = 'admin@bootstrap.local';

describe('EVENTSHOP_ADMIN_PASSWORD on an existing admin', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const server of servers.reverse()) await server.close();
  });

  let databaseUrl: string;
  /** A server start on the one database, as a restart with this admin password would be. */
  const start = async (adminPassword: string) => {
    databaseUrl ??= await createTestDatabase();
    const config = { ...loadConfig({}), databaseUrl, adminEmail: EMAIL, adminPassword, jwtSecret: 'bootstrap-secret-bootstrap-secret-12' };
    const server = await createServer(config, { clock: fixedClock('2026-11-24T12:00:00.000Z') });
    servers.push(server);
    return server;
  };
  const login = (server: RunningServer, password: string) =>
    server.app.inject({ method: 'POST', url: '/api/users/login', payload: { email: EMAIL, password } });
  const profileStatus = async (server: RunningServer, token: string) =>
    (await server.app.inject({ url: '/api/users/profile', headers: { authorization: `Bearer ${token}` } })).statusCode;

  it('resets the password, says so, and ends the sessions signed in with the old one', async () => {
    const first = await start('first-admin-password');
    expect(first.admin).toMatchObject({ created: true });
    const oldSession = (await login(first, 'first-admin-password')).json().token as string;
    expect(await profileStatus(first, oldSession)).toBe(200);

    const reset = await start('second-admin-password');
    expect(reset.admin).toMatchObject({ created: false, passwordReset: true });
    expect(await profileStatus(reset, oldSession)).toBe(401);
    expect((await login(reset, 'first-admin-password')).statusCode).toBe(401);
    const newSession = (await login(reset, 'second-admin-password')).json().token as string;
    expect(await profileStatus(reset, newSession)).toBe(200);

    // The same password again is an ordinary restart: nothing is reset, sessions live on.
    const restart = await start('second-admin-password');
    expect(restart.admin.passwordReset).toBeUndefined();
    expect(await profileStatus(restart, newSession)).toBe(200);
  });
});
