import { postgreSQLProjection } from '@event-driven-io/emmett-postgresql';
import type { ApiKeyView, Role } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../../infra/http/cursor.js';
import { apiKeyEventTypes, type ApiKeyEvent } from './api-keys.js';

/**
 * Keys as administration and the auth guard see them, kept inline with the key streams: a
 * revocation commits with its event, so the key is refused from the next request on.
 */
export const apiKeysProjection = postgreSQLProjection<ApiKeyEvent>({
  name: 'api_keys',
  canHandle: apiKeyEventTypes,
  handle: async (events, { connection: { client } }) => {
    for (const event of events) {
      const version = Number(event.metadata.streamPosition);
      switch (event.type) {
        case 'ApiKeyCreated': {
          const d = event.data;
          await client.query(
            `INSERT INTO api_keys (id, name, role, created_by, created_at, revoked_at, version)
             VALUES ($1, $2, $3, $4, $5, NULL, $6) ON CONFLICT (id) DO NOTHING`,
            [d.keyId, d.name, d.role, d.createdBy, d.createdAt, version],
          );
          break;
        }
        case 'ApiKeyRevoked': {
          const d = event.data;
          await client.query(`UPDATE api_keys SET revoked_at = $2, version = $3 WHERE id = $1 AND version < $3`, [d.keyId, d.revokedAt, version]);
          break;
        }
      }
    }
  },
});

type ApiKeyRow = {
  id: string;
  name: string;
  role: Role;
  key_prefix: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
  version: number;
};

const COLUMNS = 'k.id, k.name, k.role, s.key_prefix, k.created_by, k.created_at, k.revoked_at, k.version';

const toView = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  name: row.name,
  role: row.role,
  keyPrefix: `${row.key_prefix}…`,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
  version: Number(row.version),
});

export const apiKeyQueries = (pool: Pool) => ({
  async getById(id: string): Promise<ApiKeyView | undefined> {
    const { rows } = await pool.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys k JOIN api_key_secrets s ON s.key_id = k.id WHERE k.id = $1`, [id]);
    return rows[0] && toView(rows[0]);
  },

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(filter: { limit?: number; cursor?: string }) {
    const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
    // A hand-made cursor fails as bad input in decodeCursor, not as an out-of-range timestamp inside PostgreSQL.
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, ['timestamp', 'uuid']);
    const { rows } = await pool.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys k JOIN api_key_secrets s ON s.key_id = k.id
        WHERE $1::timestamptz IS NULL OR (k.created_at, k.id) < ($1::timestamptz, $2::uuid)
        ORDER BY k.created_at DESC, k.id DESC
        LIMIT $3`,
      [after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    // Epoch milliseconds, as the cursors already given out spell it.
    return toPage(rows, limit, toView, (row) => [row.created_at.getTime(), row.id]);
  },

  /** The auth guard's lookup: by hash, unrevoked only. */
  async activeByHash(keyHash: string): Promise<{ id: string; role: Role } | undefined> {
    const { rows } = await pool.query<{ id: string; role: Role }>({
      name: 'active-api-key',
      text: `SELECT k.id, k.role FROM api_key_secrets s JOIN api_keys k ON k.id = s.key_id WHERE s.key_hash = $1 AND k.revoked_at IS NULL`,
      values: [keyHash],
    });
    return rows[0];
  },
});

export type ApiKeyQueries = ReturnType<typeof apiKeyQueries>;
