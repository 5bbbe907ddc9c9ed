import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Crypto-shredding: personal data is written to the immutable log only as ciphertext under a key
 * that belongs to one data subject (a user) and lives outside the log. Destroying that key makes
 * every copy unreadable at once, in the log, in backups of it and in any replay, without
 * rewriting history.
 */

/** What a personal field reads as once its subject's key is gone. */
export const FORGOTTEN = '[forgotten]';

const SCHEME = 'aes-256-gcm:v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

/**
 * One encrypted personal value as stored in event data. `sub` names the data subject whose key
 * sealed it, so any reader (time travel, replays, another module's copy of an address) can find
 * the key without knowing the event's shape; it is also the AEAD's associated data, so a value
 * cannot be moved to another subject's event and still open.
 */
export type SealedValue = { enc: typeof SCHEME; sub: string; iv: string; ct: string; tag: string };

export type DataKey = Buffer;

export const newDataKey = (): DataKey => randomBytes(KEY_BYTES);

export const isSealed = (value: unknown): value is SealedValue =>
  typeof value === 'object' &&
  value !== null &&
  (value as { enc?: unknown }).enc === SCHEME &&
  typeof (value as SealedValue).sub === 'string' &&
  typeof (value as SealedValue).iv === 'string' &&
  typeof (value as SealedValue).ct === 'string' &&
  typeof (value as SealedValue).tag === 'string';

export const seal = (plaintext: string, subject: string, key: DataKey): SealedValue => {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(subject, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { enc: SCHEME, sub: subject, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
};

/**
 * Opens a sealed value, or answers FORGOTTEN when its key no longer exists. A present key that
 * fails to open the value means tampering or a bug, and that must not pass silently.
 */
export const unseal = <Forgotten = typeof FORGOTTEN>(
  sealed: SealedValue,
  key: DataKey | undefined,
  forgotten: Forgotten = FORGOTTEN as Forgotten,
): string | Forgotten => {
  if (key === undefined) return forgotten;
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(sealed.sub, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
};

/** Every data subject whose key is needed to read `value` in full. */
export const sealedSubjects = (value: unknown, found: Set<string> = new Set()): Set<string> => {
  if (isSealed(value)) found.add(value.sub);
  else if (Array.isArray(value)) for (const item of value) sealedSubjects(item, found);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) sealedSubjects(item, found);
  return found;
};

/**
 * A copy of `value` with every sealed value opened with the keys given (`forgotten` where a
 * subject has no key: FORGOTTEN for read models, null for readers of history). Works on any
 * event's data, whatever its shape.
 */
export const reveal = <T>(value: unknown, keys: ReadonlyMap<string, DataKey>, forgotten: string | null = FORGOTTEN): T => {
  if (isSealed(value)) return unseal(value, keys.get(value.sub), forgotten) as T;
  if (Array.isArray(value)) return value.map((item) => reveal(item, keys, forgotten)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, reveal(item, keys, forgotten)])) as T;
  }
  return value as T;
};
