import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigFileError, loadConfig, updateProfile, withCredential, type Profile } from './config-file.js';
import { configFilePath } from './config-path.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'shopctl-config-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('the config file', () => {
  it('reads as empty when it does not exist yet', async () => {
    expect(await loadConfig(path.join(directory, 'absent.json'))).toEqual({ profiles: {} });
  });

  it('is created on first write, readable by its owner only, in a private folder', async () => {
    const file = path.join(directory, 'nested', 'shopctl', 'config.json');
    await updateProfile(file, 'default', () => ({ url: 'http://localhost:3000', token: 'secret' }));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
  });

  it('tightens the mode of a file that was readable by others', async () => {
    const file = path.join(directory, 'config.json');
    await writeFile(file, '{"profiles":{}}', { mode: 0o644 });
    await updateProfile(file, 'default', () => ({ token: 'secret' }));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('changes one profile and keeps the others, dropping cleared fields', async () => {
    const file = path.join(directory, 'config.json');
    await updateProfile(file, 'staging', () => ({ url: 'http://staging.test' }));
    await updateProfile(file, 'default', () => ({ url: 'http://localhost:3000', token: 't', apiKey: 'k' }));
    await updateProfile(file, 'default', (profile) => ({ ...profile, apiKey: undefined }));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      profiles: { staging: { url: 'http://staging.test' }, default: { url: 'http://localhost:3000', token: 't' } },
    });
  });

  it('names the file when it is not valid JSON', async () => {
    const file = path.join(directory, 'config.json');
    await writeFile(file, '{ not json');
    await expect(loadConfig(file)).rejects.toThrow(ConfigFileError);
    await expect(loadConfig(file)).rejects.toThrow(file);
  });
});

describe('withCredential', () => {
  const session: Profile = { url: 'http://shop.test', token: 'old', expiresAt: '2026-01-01T00:00:00.000Z', email: 'ada@example.com' };
  const keyed: Profile = { url: 'http://shop.test', apiKey: 'key' };

  it('saves a session over an API key, dropping the key and keeping the URL', async () => {
    const file = path.join(directory, 'config.json');
    await updateProfile(file, 'default', () => keyed);
    await updateProfile(file, 'default', (profile) => withCredential(profile, { token: 'new', expiresAt: '2027-01-01T00:00:00.000Z', email: 'ada@example.com' }));
    expect((await loadConfig(file)).profiles.default).toEqual({ url: 'http://shop.test', token: 'new', expiresAt: '2027-01-01T00:00:00.000Z', email: 'ada@example.com' });
  });

  it('saves an API key over a session, dropping its token, expiry and email', async () => {
    const file = path.join(directory, 'config.json');
    await updateProfile(file, 'default', () => session);
    await updateProfile(file, 'default', (profile) => withCredential(profile, { apiKey: 'key' }));
    expect((await loadConfig(file)).profiles.default).toEqual(keyed);
  });

  it('saves a bare token without the expiry and email of an earlier session', async () => {
    const file = path.join(directory, 'config.json');
    await updateProfile(file, 'default', () => session);
    await updateProfile(file, 'default', (profile) => withCredential(profile, { token: 'pasted' }));
    expect((await loadConfig(file)).profiles.default).toEqual({ url: 'http://shop.test', token: 'pasted' });
  });

  it('clears every credential field and keeps the URL when given none', async () => {
    const file = path.join(directory, 'config.json');
    await updateProfile(file, 'default', () => ({ ...session, apiKey: 'key' }));
    await updateProfile(file, 'default', (profile) => withCredential(profile, undefined));
    expect((await loadConfig(file)).profiles.default).toEqual({ url: 'http://shop.test' });
  });
});

describe('where the config file lives', () => {
  it('is $SHOPCTL_CONFIG when set', () => {
    expect(configFilePath({ SHOPCTL_CONFIG: '/etc/shop.json', XDG_CONFIG_HOME: '/xdg' }, '/home/ada')).toBe('/etc/shop.json');
  });

  it('is under $XDG_CONFIG_HOME next', () => {
    expect(configFilePath({ XDG_CONFIG_HOME: '/xdg' }, '/home/ada')).toBe('/xdg/shopctl/config.json');
  });

  it('is under ~/.config otherwise', () => {
    expect(configFilePath({}, '/home/ada')).toBe('/home/ada/.config/shopctl/config.json');
  });
});
