import { describe, expect, it } from 'vitest';
import type { Profile } from './config-file.js';
import { DEFAULT_URL, resolveConnection } from './connection.js';

const profiles: Record<string, Profile> = {
  default: { url: 'http://profile.test', token: 'profile-token', expiresAt: '2026-01-01T12:00:00.000Z' },
  keyed: { url: 'http://partner.test', apiKey: 'profile-key' },
};

describe('resolving the server URL', () => {
  it('prefers the flag, then the environment, then the profile, then the default', () => {
    const env = { SHOPCTL_URL: 'http://env.test' };
    expect(resolveConnection({ url: 'http://flag.test' }, env, profiles)).toMatchObject({ url: 'http://flag.test', urlSource: 'flag' });
    expect(resolveConnection({}, env, profiles)).toMatchObject({ url: 'http://env.test', urlSource: 'env' });
    expect(resolveConnection({}, {}, profiles)).toMatchObject({ url: 'http://profile.test', urlSource: 'profile' });
    expect(resolveConnection({}, {}, {})).toMatchObject({ url: DEFAULT_URL, urlSource: 'default' });
  });

  it('treats an empty environment variable as unset', () => {
    expect(resolveConnection({}, { SHOPCTL_URL: '' }, profiles)).toMatchObject({ url: 'http://profile.test', urlSource: 'profile' });
  });
});

describe('choosing the profile', () => {
  it('takes --profile over SHOPCTL_PROFILE over "default"', () => {
    expect(resolveConnection({ profile: 'keyed' }, { SHOPCTL_PROFILE: 'other' }, profiles)).toMatchObject({ profileName: 'keyed', profileSource: 'flag' });
    expect(resolveConnection({}, { SHOPCTL_PROFILE: 'keyed' }, profiles)).toMatchObject({ profileName: 'keyed', profileSource: 'env', url: 'http://partner.test' });
    expect(resolveConnection({}, {}, profiles)).toMatchObject({ profileName: 'default', profileSource: 'default' });
  });
});

describe('choosing the credential', () => {
  it("uses the profile's token with its expiry when nothing overrides it", () => {
    expect(resolveConnection({}, {}, profiles).credential).toEqual({
      kind: 'token',
      value: 'profile-token',
      source: 'profile',
      expiresAt: '2026-01-01T12:00:00.000Z',
    });
  });

  it('lets an API key from a higher level replace a saved token entirely', () => {
    expect(resolveConnection({ apiKey: 'flag-key' }, { SHOPCTL_TOKEN: 'env-token' }, profiles).credential).toMatchObject({ kind: 'apiKey', value: 'flag-key', source: 'flag' });
    expect(resolveConnection({}, { SHOPCTL_API_KEY: 'env-key' }, profiles).credential).toMatchObject({ kind: 'apiKey', value: 'env-key', source: 'env' });
  });

  it('prefers a token over a key given at the same level, as the SDK does', () => {
    expect(resolveConnection({ token: 't', apiKey: 'k' }, {}, {}).credential).toMatchObject({ kind: 'token', value: 't' });
  });

  it('has no credential when none is given anywhere', () => {
    expect(resolveConnection({}, {}, {}).credential).toBeUndefined();
  });
});
