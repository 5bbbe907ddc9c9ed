import { postgreSQLProjection } from '@event-driven-io/emmett-postgresql';
import type { Role } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import { userEventTypes, type UserEvent } from './users.js';

/** Accounts as sign-in and administration need them, kept inline with the user streams. */
export const userAccountsProjection = postgreSQLProjection<UserEvent>({
  name: 'user_accounts',
  canHandle: userEventTypes,
  handle: async (events, { connection: { client } }) => {
    for (const event of events) {
      const version = Number(event.metadata.streamPosition);
      switch (event.type) {
        case 'UserRegistered': {
          const d = event.data;
          await client.query(
            `INSERT INTO user_accounts (id, email, name, roles, status, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'active', $5, $6, $6) ON CONFLICT (id) DO NOTHING`,
            [d.userId, d.email, d.name, d.roles, version, d.registeredAt],
          );
          break;
        }
      }
    }
  },
});

export type AccountRow = { id: string; email: string; name: string; roles: Role[]; status: string; password_hash: string };

export const accountQueries = (pool: Pool) => ({
  async findForLogin(emailNormalized: string): Promise<AccountRow | undefined> {
    const { rows } = await pool.query<AccountRow>(
      `SELECT a.id, a.email, a.name, a.roles, a.status, c.password_hash
         FROM user_credentials c JOIN user_accounts a ON a.id = c.user_id
        WHERE c.email_normalized = $1`,
      [emailNormalized],
    );
    return rows[0];
  },
});
