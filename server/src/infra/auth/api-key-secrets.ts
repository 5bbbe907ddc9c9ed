import { createHash, randomBytes } from 'node:crypto';

/** Every partner key starts with this, so the guard (and a secret scanner) can tell it from a token at a glance. */
export const API_KEY_PREFIX = 'esk_';

/** 32 random bytes: far beyond guessing, which is why a fast hash is enough to store it (unlike a password). */
export const generateApiKey = (): { key: string; displayPrefix: string } => {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, displayPrefix: key.slice(0, API_KEY_PREFIX.length + 6) };
};

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export const looksLikeApiKey = (credential: string) => credential.startsWith(API_KEY_PREFIX);
