import { rm } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { createShopClient, type ShopClient } from '@eventshop/sdk';
import { makeDataDir, postgresProcessesFor, startServerProcess, type ServerProcess } from './server-process.js';
import { shopctl } from './shopctl.js';

export type ShopWithAdmin = {
  dataDir: string;
  server: ServerProcess;
  /** The admin signed in through the SDK. */
  admin: ShopClient;
  /** shopctl's environment for the admin, signed in with `shopctl login` (its profile lives in the data directory). */
  adminCli: Record<string, string>;
  /** Closes the client, stops the server with Ctrl-C (it must exit 0, its PostgreSQL with it) and deletes the data. */
  close(): Promise<void>;
};

/** The real server process as `npm start` runs it, on its own embedded PostgreSQL, with its admin signed in the two ways the e2e tests drive it. */
export const startShopWithAdmin = async (credentials: { email: string; password: string }): Promise<ShopWithAdmin> => {
  const dataDir = await makeDataDir();
  const server = await startServerProcess({ EVENTSHOP_DATA_DIR: dataDir, EVENTSHOP_ADMIN_EMAIL: credentials.email, EVENTSHOP_ADMIN_PASSWORD: credentials.password });
  const admin = createShopClient({ baseUrl: server.url });
  const adminCli = { SHOPCTL_CONFIG: path.join(dataDir, 'admin-cli.json'), SHOPCTL_URL: server.url };
  try {
    admin.setToken((await admin.auth.login(credentials)).token);
    const login = await shopctl(['login', '--email', credentials.email, '--password-stdin'], adminCli, `${credentials.password}\n`);
    expect(login.code, login.stderr).toBe(0);
  } catch (error) {
    // Nothing is left running when signing in fails: the test file's afterAll has no handle on it yet.
    await admin.close();
    await server.stop('SIGINT');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    dataDir,
    server,
    admin,
    adminCli,
    async close() {
      await admin.close();
      expect(await server.stop('SIGINT')).toBe(0);
      expect(postgresProcessesFor(dataDir)).toEqual([]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};
