import type pg from 'pg';
import { FORGOTTEN, newDataKey, reveal, sealedSubjects, type DataKey } from './personal-data.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A pool, or a client inside a transaction (an inline projection's, say). */
export type Queryable = { query<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> };

/**
 * The per-user data keys, in `user_keys`, outside the event log. Nothing caches them: once a key
 * is destroyed, the very next read anywhere answers FORGOTTEN.
 */
export const userKeyring = (db: Queryable) => ({
  /** Creates the subject's key; an existing one is kept, so a retried registration does not orphan data. */
  async create(subject: string, now: Date): Promise<DataKey> {
    await db.query('INSERT INTO user_keys (user_id, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING', [
      subject,
      newDataKey(),
      now,
    ]);
    const key = await this.find(subject);
    if (!key) throw new Error(`The data key of ${subject} vanished while it was being created`);
    return key;
  },

  async find(subject: string): Promise<DataKey | undefined> {
    const { rows } = await db.query<{ key: Buffer }>('SELECT key FROM user_keys WHERE user_id = $1', [subject]);
    return rows[0]?.key;
  },

  async findMany(subjects: Iterable<string>): Promise<Map<string, DataKey>> {
    // A subject that is not a user id cannot have a key; asking for it would only fail the cast.
    const ids = [...subjects].filter((subject) => UUID.test(subject));
    if (ids.length === 0) return new Map();
    const { rows } = await db.query<{ user_id: string; key: Buffer }>('SELECT user_id, key FROM user_keys WHERE user_id = ANY($1::uuid[])', [ids]);
    return new Map(rows.map((row) => [row.user_id, row.key]));
  },

  /** Shreds: every value sealed under this key becomes FORGOTTEN for good. */
  async destroy(subject: string): Promise<void> {
    await db.query('DELETE FROM user_keys WHERE user_id = $1', [subject]);
  },

  /**
   * Opens every sealed value in `value`, whoever's it is, with the keys that still exist; a value
   * whose key is gone reads `forgotten`.
   */
  async reveal<T>(value: unknown, forgotten: string | null = FORGOTTEN): Promise<T> {
    const subjects = sealedSubjects(value);
    // Nothing sealed (most events): no key lookup at all.
    if (subjects.size === 0) return value as T;
    return reveal<T>(value, await this.findMany(subjects), forgotten);
  },
});

export type UserKeyring = ReturnType<typeof userKeyring>;
