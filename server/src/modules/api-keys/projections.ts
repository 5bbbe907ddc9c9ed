import { postgreSQLProjection } from '@event-driven-io/emmett-postgresql';
import type { ApiKeyView, Role } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import { decodeCursor, encodeCursor } from '../../infra/http/cursor.js';
import { RequestValidationError } from '../../infra/http/problems.js';
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

/** Year 275760, the last instant a JavaScript Date can hold. */
const MAX_EPOCH_MS = 8.64e15;

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
    const limit = filter.limit ?? 20;
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, ['number', 'uuid']);
    // A hand-made cursor must fail as bad input, not as an out-of-range timestamp inside PostgreSQL.
    if (after && !(Number.isSafeInteger(after[0]) && (after[0] as number) >= 0 && (after[0] as number) < MAX_EPOCH_MS)) {
      throw new RequestValidationError([{ field: 'cursor', message: 'Not a cursor this list gave out; start again without it' }]);
    }
    const { rows } = await pool.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys k JOIN api_key_secrets s ON s.key_id = k.id
        WHERE $1::bigint IS NULL OR (k.created_at, k.id) < (to_timestamp($1::bigint / 1000.0), $2::uuid)
        ORDER BY k.created_at DESC, k.id DESC
        LIMIT $3`,
      [after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const hasMore = rows.length > limit;
    const pageRows = hasMore ? rows.slice(0, limit) : rows;
    const last = pageRows[pageRows.length - 1];
    return { items: pageRows.map(toView), nextCursor: hasMore && last ? encodeCursor([last.created_at.getTime(), last.id]) : null };
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
