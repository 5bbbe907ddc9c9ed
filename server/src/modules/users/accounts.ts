import { randomBytes, randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { Role } from '@eventshop/sdk/contract';
import { hashPassword, verifyPassword } from '../../infra/auth/passwords.js';
import type { Pool } from '../../infra/database/pool.js';
import { handleCommand, type EventMetadata } from '../../infra/eventstore.js';
import { HttpProblem } from '../../infra/http/problems.js';
import { userKeyring, type Queryable } from '../../infra/privacy/keyring.js';
import { userCommandRunner } from './commands.js';
import { sealingUserDecider } from './personal-fields.js';
import { userStreamName } from './users.js';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const emailTaken = () => new HttpProblem(409, 'email_taken', 'That email is already registered', 'Sign in instead, or use another email.');

const isUniqueViolation = (error: unknown) => (error as { code?: string })?.code === '23505';

/**
 * The secrets and the one uniqueness rule that must not live in the immutable log: the password
 * hash, and the normalized email whose unique index makes an email taken exactly once, however
 * many registrations race for it. Forgetting a user deletes their row, which frees the email.
 */
export const credentialStore = (pool: Queryable) => ({
  async insert(userId: string, emailNormalized: string, passwordHash: string, now: Date): Promise<void> {
    const inserted = await pool.query(
      `INSERT INTO user_credentials (user_id, email_normalized, password_hash, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (email_normalized) DO NOTHING`,
      [userId, emailNormalized, passwordHash, now],
    );
    if (inserted.rowCount === 0) throw emailTaken();
  },

  async findUserByEmail(emailNormalized: string): Promise<string | undefined> {
    const { rows } = await pool.query<{ user_id: string }>('SELECT user_id FROM user_credentials WHERE email_normalized = $1', [emailNormalized]);
    return rows[0]?.user_id;
  },

  async findByUser(userId: string): Promise<{ emailNormalized: string; passwordHash: string } | undefined> {
    const { rows } = await pool.query<{ email_normalized: string; password_hash: string }>(
      'SELECT email_normalized, password_hash FROM user_credentials WHERE user_id = $1',
      [userId],
    );
    return rows[0] && { emailNormalized: rows[0].email_normalized, passwordHash: rows[0].password_hash };
  },

  /** Claims a new email for the account (409 when another account holds it); answers the one it had. */
  async changeEmail(userId: string, emailNormalized: string, now: Date): Promise<string | undefined> {
    try {
      const { rows } = await pool.query<{ previous: string }>(
        `UPDATE user_credentials c SET email_normalized = $2, updated_at = $3
           FROM (SELECT email_normalized AS previous FROM user_credentials WHERE user_id = $1 FOR UPDATE) old
          WHERE c.user_id = $1
          RETURNING old.previous`,
        [userId, emailNormalized, now],
      );
      return rows[0]?.previous;
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
  },

  /** Replaces the hash only if it is still the one the caller verified, so two racing changes cannot both win. */
  async replacePasswordHash(userId: string, expected: string, next: string, now: Date): Promise<boolean> {
    const { rowCount } = await pool.query(
      'UPDATE user_credentials SET password_hash = $3, updated_at = $4 WHERE user_id = $1 AND password_hash = $2',
      [userId, expected, next, now],
    );
    return rowCount === 1;
  },

  /** Replaces the hash whatever it was: only for resetting the configured admin's password. */
  async setPasswordHash(userId: string, passwordHash: string, now: Date): Promise<void> {
    await pool.query('UPDATE user_credentials SET password_hash = $2, updated_at = $3 WHERE user_id = $1', [userId, passwordHash, now]);
  },

  async remove(userId: string): Promise<void> {
    await pool.query('DELETE FROM user_credentials WHERE user_id = $1', [userId]);
  },
});

/**
 * Creates an account: the credentials row first (its unique index decides who gets a contested
 * email), then the data key that seals the account's personal fields, then the user stream. The
 * password hash lives only in the credentials table, never in the log.
 */
export const registerAccount = async (
  deps: { pool: Pool; eventStore: PostgresEventStore },
  account: { email: string; name: string; phone: string | null; password: string; roles: Role[]; now: Date; metadata: EventMetadata },
): Promise<string> => {
  const userId = randomUUID();
  const credentials = credentialStore(deps.pool);
  const keyring = userKeyring(deps.pool);
  await credentials.insert(userId, normalizeEmail(account.email), await hashPassword(account.password), account.now);
  try {
    const key = await keyring.create(userId, account.now);
    await handleCommand(deps.eventStore, sealingUserDecider(userId, key), {
      streamName: userStreamName(userId),
      command: {
        type: 'RegisterUser',
        data: { userId, email: account.email.trim(), name: account.name, phone: account.phone, roles: account.roles, now: account.now },
      },
      // Registering is the new user acting on their own behalf.
      metadata: { ...account.metadata, actorId: account.metadata.actorId ?? userId },
    });
  } catch (error) {
    await credentials.remove(userId);
    await keyring.destroy(userId);
    throw error;
  }
  return userId;
};

/**
 * The documented way back in when the admin password is lost. A reset is a password change like
 * `users change-password`: UserPasswordChanged moves the account to its next token generation, so
 * every session signed with the old password ends. A restart with the same password changes
 * nothing (deployments keep the variable set), so sessions survive ordinary restarts.
 */
const resetAdminPassword = async (deps: { pool: Pool; eventStore: PostgresEventStore }, userId: string, password: string, now: Date): Promise<boolean> => {
  const credentials = credentialStore(deps.pool);
  const current = await credentials.findByUser(userId);
  if (current && (await verifyPassword(password, current.passwordHash))) return false;
  await credentials.setPasswordHash(userId, await hashPassword(password), now);
  try {
    await userCommandRunner(deps)({ type: 'ChangePassword', data: { userId, now } }, { metadata: bootstrapMetadata(now) });
  } catch (error) {
    // A disabled account keeps its new password; its sessions are refused already.
    if (!(error instanceof HttpProblem && error.code === 'invalid_state')) throw error;
  }
  return true;
};

const bootstrapMetadata = (now: Date): EventMetadata => ({ correlationId: 'bootstrap', causationId: 'bootstrap', actorId: null, requestId: 'bootstrap', occurredAt: now.toISOString() });

const generatePassword = () => randomBytes(18).toString('base64url');

/**
 * Makes sure the configured admin can sign in: creates the account on first start (with the
 * configured password or a generated one, returned so it can be printed once), and resets the
 * password when EVENTSHOP_ADMIN_PASSWORD is given, as the documented way back in.
 */
export const ensureAdmin = async (
  deps: { pool: Pool; eventStore: PostgresEventStore },
  options: { email: string; password: string | undefined; now: Date },
): Promise<{ created: boolean; email: string; generatedPassword?: string; passwordReset?: boolean }> => {
  const credentials = credentialStore(deps.pool);
  const existing = await credentials.findUserByEmail(normalizeEmail(options.email));
  if (existing) {
    const reset = options.password !== undefined && (await resetAdminPassword(deps, existing, options.password, options.now));
    return { created: false, email: options.email, ...(reset ? { passwordReset: true } : {}) };
  }
  const password = options.password ?? generatePassword();
  try {
    await registerAccount(deps, {
      email: options.email,
      name: 'Administrator',
      phone: null,
      password,
      roles: ['admin'],
      now: options.now,
      metadata: bootstrapMetadata(options.now),
    });
  } catch (error) {
    // Another instance created it first.
    if (error instanceof HttpProblem && error.code === 'email_taken') return { created: false, email: options.email };
    throw error;
  }
  return { created: true, email: options.email, ...(options.password ? {} : { generatedPassword: password }) };
};
