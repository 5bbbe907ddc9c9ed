import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { passwordWork } from './password-work.js';

// OWASP's scrypt floor (N=2^17, r=8, p=1) costs ~128 MiB and ~200 ms; N=2^15 keeps login
// fast on small machines while staying far beyond brute force for 12+ character passwords.
const PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

/** One admission line for the whole process: scrypt competes for the same threads and cores wherever it is called from. */
const work = passwordWork();

const derive = (password: string, salt: Buffer, params: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, params, (error, key) => (error ? reject(error) : resolve(key))),
  );

/** `scrypt$N$r$p$salt$hash`, so parameters can be raised later without breaking stored hashes. */
export const hashPassword = async (password: string): Promise<string> => {
  const salt = randomBytes(16);
  const key = await work.hash(() => derive(password, salt, PARAMS));
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
};

export const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await work.verify(() =>
    derive(password, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem }),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
};

/** A hash of a random password: verifying against it costs the same as a real one, so unknown emails answer as slowly. */
export const decoyHash = hashPassword(randomBytes(16).toString('hex'));
