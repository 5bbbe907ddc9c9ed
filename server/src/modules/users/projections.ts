import type { ReadEvent } from '@event-driven-io/emmett';
import { postgreSQLProjection, type PostgresReadEventMetadata } from '@event-driven-io/emmett-postgresql';
import type { Role, UserView } from '@eventshop/sdk/contract';
import { batcher } from '../../infra/database/batcher.js';
import type { Pool } from '../../infra/database/pool.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../../infra/http/cursor.js';
import { NotFoundError } from '../../infra/http/problems.js';
import { FORGOTTEN } from '../../infra/privacy/personal-data.js';
import { userKeyring, type Queryable } from '../../infra/privacy/keyring.js';
import type { StoredUserEvent } from './personal-fields.js';
import { occurredAt, userEventTypes, type UserEvent } from './users.js';

/**
 * Events arrive sealed, as stored. A read model that keeps personal data opens them with the
 * keys as they are in this very transaction, so a rebuild after a forgetting writes FORGOTTEN.
 */
export const revealStoredUserEvents = async <E extends ReadEvent<StoredUserEvent, PostgresReadEventMetadata>>(
  client: Queryable,
  events: E[],
): Promise<(E & UserEvent)[]> => {
  // One key lookup for the batch, and only for the subjects its sealed fields name: none when nothing is sealed.
  const data = await userKeyring(client).reveal<UserEvent['data'][]>(events.map((event) => event.data));
  return events.map((event, i) => ({ ...event, data: data[i] }) as E & UserEvent);
};

/**
 * Accounts as sign-in, the auth guard and administration need them, kept inline with the user
 * streams. `token_generation` counts the moments every earlier token died (password change,
 * disabling, forgetting); a token carries the generation it was issued in.
 */
export const userAccountsProjection = postgreSQLProjection<StoredUserEvent>({
  name: 'user_accounts',
  canHandle: userEventTypes,
  handle: async (stored, { connection: { client } }) => {
    for (const event of await revealStoredUserEvents(client, stored)) {
      const version = Number(event.metadata.streamPosition);
      const at = occurredAt(event);
      const id = event.data.userId;
      // Every event moves the account's version, so the version is the stream's (the ETag).
      const touch = (set: string, values: unknown[] = []) =>
        client.query(`UPDATE user_accounts SET ${set}${set ? ', ' : ''}version = $2, updated_at = $3 WHERE id = $1 AND version < $2`, [
          id,
          version,
          at,
          ...values,
        ]);
      switch (event.type) {
        case 'UserRegistered': {
          const d = event.data;
          await client.query(
            `INSERT INTO user_accounts (id, email, name, phone, roles, status, token_generation, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'active', 0, $6, $7, $7) ON CONFLICT (id) DO NOTHING`,
            [d.userId, d.email, d.name, d.phone, d.roles, version, d.registeredAt],
          );
          break;
        }
        case 'UserProfileChanged': {
          const d = event.data;
          await touch(
            `email = COALESCE($4, email), name = COALESCE($5, name), phone = CASE WHEN $6::boolean THEN $7 ELSE phone END`,
            [d.email ?? null, d.name ?? null, d.phone !== undefined, d.phone ?? null],
          );
          break;
        }
        case 'UserRoleGranted':
          await touch(`roles = CASE WHEN $4 = ANY(roles) THEN roles ELSE array_append(roles, $4) END`, [event.data.role]);
          break;
        case 'UserRoleRevoked':
          await touch(`roles = array_remove(roles, $4)`, [event.data.role]);
          break;
        case 'UserPasswordChanged':
          await touch(`token_generation = token_generation + 1`);
          break;
        case 'UserDisabled':
          await touch(`status = 'disabled', token_generation = token_generation + 1`);
          break;
        case 'UserEnabled':
          await touch(`status = 'active'`);
          break;
        case 'UserForgotten':
          await touch(`status = 'forgotten', email = $4, name = $4, phone = NULL, token_generation = token_generation + 1`, [FORGOTTEN]);
          break;
        case 'ShippingAddressAdded':
        case 'ShippingAddressChanged':
        case 'DefaultShippingAddressSet':
        case 'ShippingAddressRemoved':
          await touch('');
          break;
        default: {
          const _exhaustive: never = event;
        }
      }
    }
  },
});

type AccountRow = {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  roles: Role[];
  status: UserView['status'];
  token_generation: number;
  version: number;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = 'a.id, a.email, a.name, a.phone, a.roles, a.status, a.token_generation, a.version, a.created_at, a.updated_at';

const toUserView = (row: AccountRow): UserView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  phone: row.phone,
  roles: row.roles,
  status: row.status,
  version: Number(row.version),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

type UserAccess = { status: UserView['status']; roles: Role[]; tokenGeneration: number };

/** An account as the API shows it, and apart from it the token generation, which only tokens carry. */
export type Account = { view: UserView; tokenGeneration: number };

export const accountQueries = (pool: Pool) => ({
  async findForLogin(emailNormalized: string): Promise<(Account & { passwordHash: string }) | undefined> {
    const { rows } = await pool.query<AccountRow & { password_hash: string }>(
      `SELECT ${COLUMNS}, c.password_hash
         FROM user_credentials c JOIN user_accounts a ON a.id = c.user_id
        WHERE c.email_normalized = $1`,
      [emailNormalized],
    );
    const row = rows[0];
    return row && { view: toUserView(row), tokenGeneration: Number(row.token_generation), passwordHash: row.password_hash };
  },

  async getById(id: string): Promise<Account | undefined> {
    const { rows } = await pool.query<AccountRow>(`SELECT ${COLUMNS} FROM user_accounts a WHERE a.id = $1`, [id]);
    const row = rows[0];
    return row && { view: toUserView(row), tokenGeneration: Number(row.token_generation) };
  },

  /**
   * What the auth guard checks on every request: a primary-key read, uncached, so disabling,
   * a password change or a revoked role takes effect on the very next request. Requests that
   * arrive together share one statement (see batcher).
   */
  access: batcher(async (ids: string[]): Promise<(UserAccess | undefined)[]> => {
    const { rows } = await pool.query<Pick<AccountRow, 'id' | 'status' | 'roles' | 'token_generation'>>({
      name: 'user-access',
      text: 'SELECT id, status, roles, token_generation FROM user_accounts WHERE id = ANY($1::uuid[])',
      values: [[...new Set(ids)]],
    });
    const byId = new Map(rows.map((row) => [row.id, { status: row.status, roles: row.roles, tokenGeneration: Number(row.token_generation) }]));
    return ids.map((id) => byId.get(id));
  }),

  /** Oldest first, keyset-paginated on (created_at, id): stable while accounts are added. */
  async list(filter: { role?: Role; status?: UserView['status']; limit?: number; cursor?: string }) {
    const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
    // The cursor is ours, but a client could still hand-craft one; decodeCursor makes sure PostgreSQL never sees a non-time here.
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, ['timestamp', 'uuid']);
    const { rows } = await pool.query<AccountRow>(
      `SELECT ${COLUMNS} FROM user_accounts a
        WHERE ($1::text IS NULL OR $1 = ANY(a.roles))
          AND ($2::text IS NULL OR a.status = $2)
          AND ($3::timestamptz IS NULL OR (a.created_at, a.id) > ($3::timestamptz, $4::uuid))
        ORDER BY a.created_at, a.id
        LIMIT $5`,
      [filter.role ?? null, filter.status ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    // ISO text, as the cursors already given out spell it.
    return toPage(rows, limit, toUserView, (row) => [row.created_at.toISOString(), row.id]);
  },
});

export type AccountQueries = ReturnType<typeof accountQueries>;

/** The account a handler answers with, or 404 when there is none. */
export const accountOf = async (accounts: AccountQueries, userId: string): Promise<Account> => {
  const account = await accounts.getById(userId);
  if (!account) throw new NotFoundError('User', userId);
  return account;
};
