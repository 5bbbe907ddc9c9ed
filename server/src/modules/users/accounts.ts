import { randomBytes, randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { Role } from '@eventshop/sdk/contract';
import { hashPassword } from '../../infra/auth/passwords.js';
import type { Pool } from '../../infra/database/pool.js';
import { handleCommand, type EventMetadata } from '../../infra/eventstore.js';
import { HttpProblem } from '../../infra/http/problems.js';
import { userDecider, userStreamName } from './users.js';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Creates an account: the credentials row first, because its unique index is what makes an email
 * taken exactly once under racing registrations; then the user stream. The password hash lives
 * only in that table, never in the immutable log.
 */
export const registerAccount = async (
  deps: { pool: Pool; eventStore: PostgresEventStore },
  account: { email: string; name: string; password: string; roles: Role[]; now: Date; metadata: EventMetadata },
): Promise<string> => {
  const userId = randomUUID();
  const passwordHash = await hashPassword(account.password);
  const inserted = await deps.pool.query(
    `INSERT INTO user_credentials (user_id, email_normalized, password_hash, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (email_normalized) DO NOTHING`,
    [userId, normalizeEmail(account.email), passwordHash, account.now],
  );
  if (inserted.rowCount === 0) throw new HttpProblem(409, 'email_taken', 'That email is already registered');
  try {
    await handleCommand(deps.eventStore, userDecider, {
      streamName: userStreamName(userId),
      command: { type: 'RegisterUser', data: { userId, email: account.email.trim(), name: account.name, roles: account.roles, now: account.now } },
      metadata: account.metadata,
      mustNotExist: true,
    });
  } catch (error) {
    await deps.pool.query('DELETE FROM user_credentials WHERE user_id = $1', [userId]);
    throw error;
  }
  return userId;
};

export const generatePassword = () => randomBytes(18).toString('base64url');

/**
 * Makes sure the configured admin can sign in: creates the account on first start (with the
 * configured password or a generated one, returned so it can be printed once), and resets the
 * password when EVENTSHOP_ADMIN_PASSWORD is given, as the documented way back in.
 */
export const ensureAdmin = async (
  deps: { pool: Pool; eventStore: PostgresEventStore },
  options: { email: string; password: string | undefined; now: Date },
): Promise<{ created: boolean; email: string; generatedPassword?: string }> => {
  const { rows } = await deps.pool.query<{ user_id: string }>('SELECT user_id FROM user_credentials WHERE email_normalized = $1', [
    normalizeEmail(options.email),
  ]);
  if (rows[0]) {
    if (options.password) {
      await deps.pool.query('UPDATE user_credentials SET password_hash = $2, updated_at = $3 WHERE user_id = $1', [
        rows[0].user_id,
        await hashPassword(options.password),
        options.now,
      ]);
    }
    return { created: false, email: options.email };
  }
  const password = options.password ?? generatePassword();
  try {
    await registerAccount(deps, {
      email: options.email,
      name: 'Administrator',
      password,
      roles: ['admin'],
      now: options.now,
      metadata: { correlationId: 'bootstrap', causationId: 'bootstrap', actorId: null, requestId: 'bootstrap' },
    });
  } catch (error) {
    // Another instance created it first.
    if (error instanceof HttpProblem && error.code === 'email_taken') return { created: false, email: options.email };
    throw error;
  }
  return { created: true, email: options.email, ...(options.password ? {} : { generatedPassword: password }) };
};
