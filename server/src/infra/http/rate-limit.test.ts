import { describe, expect, it } from 'vitest';
import { addressKey, rateLimiter } from './rate-limit.js';

describe('addressKey', () => {
  it('keeps IPv4 addresses, unwraps IPv4-mapped ones and groups IPv6 by /64', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:aa:bb:1:2:3:4')).toBe('2001:db8:aa:bb::/64');
    expect(addressKey('2001:0db8:00aa:00bb:ffff::1')).toBe('2001:db8:aa:bb::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('rateLimiter', () => {
  it('keeps counting a key however many other keys come and go', () => {
    let now = 0;
    const limiter = rateLimiter({ limit: 3, windowMs: 60_000, now: () => now });
    for (let index = 0; index < 3; index++) limiter.hit('attacker');
    // A spray of other keys (spoofable emails, fresh addresses) used to clear every window at 10,000.
    for (let index = 0; index < 10_050; index++) {
      now += 1;
      limiter.hit(`spray-${index}`);
    }
    expect(() => limiter.hit('attacker')).toThrow(/Too many requests/);
    // And a window still ends on time.
    now += 60_000;
    expect(() => limiter.hit('attacker')).not.toThrow();
  });
});
