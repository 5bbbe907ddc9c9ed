import type { Pool } from '../../infra/database/pool.js';
import { userKeyring } from '../../infra/privacy/keyring.js';
import { credentialStore } from './accounts.js';

/**
 * The part of forgetting that happens outside the log, in one transaction: shred the data key
 * (every sealed copy of the personal data, in every event, becomes unreadable), drop the
 * credentials (the only plain copy of the email, which frees it to register again), and drop
 * remembered command answers that may quote the account: the account's own, and any other
 * principal's (an admin's) that name it. The read models were blanked by the inline projections
 * in the transaction that recorded UserForgotten.
 */
export const erasePersonalData = async (pool: Pool, userId: string): Promise<void> => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await userKeyring(client).destroy(userId);
    await credentialStore(client).remove(userId);
    await client.query('DELETE FROM idempotency_keys WHERE principal = $1 OR strpos(body, $1) > 0', [userId]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
};

/**
 * UserForgotten is recorded before the erasure runs, so a crash in between leaves a forgotten
 * account whose key still exists. Run at start-up, this finishes every such erasure; the auth
 * guard refuses forgotten accounts meanwhile, so nothing is served from them in the gap.
 */
export const completeInterruptedErasures = async (pool: Pool): Promise<number> => {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT a.id FROM user_accounts a
      WHERE a.status = 'forgotten'
        AND (EXISTS (SELECT 1 FROM user_keys k WHERE k.user_id = a.id) OR EXISTS (SELECT 1 FROM user_credentials c WHERE c.user_id = a.id))`,
  );
  for (const { id } of rows) await erasePersonalData(pool, id);
  return rows.length;
};
