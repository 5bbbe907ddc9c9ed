/**
 * Enough of a secret to tell two apart, never enough to use: `eyJh…Q1x9`. Short secrets show
 * nothing at all, since four characters of eight is half the secret.
 */
export const maskSecret = (secret: string): string => (secret.length < 16 ? '****' : `${secret.slice(0, 4)}…${secret.slice(-4)}`);
