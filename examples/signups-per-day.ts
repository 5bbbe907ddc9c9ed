/**
 * A replay script: how many accounts were opened each day, from the users' `UserRegistered` events.
 *
 *   shopctl replay --script examples/signups-per-day.ts --stream-type user --since 30d
 *
 * Personal fields (email, name, phone) come back as null once their owner has been forgotten; a
 * count needs none of them, so forgotten users still count.
 */
import type { LoggedEvent } from '@eventshop/sdk';

const perDay = new Map<string, number>();

export default function count(event: LoggedEvent): void {
  if (event.type !== 'UserRegistered') return;
  const day = event.data.registeredAt.slice(0, 10);
  perDay.set(day, (perDay.get(day) ?? 0) + 1);
}

/** `{ "2026-11-24": 12, ... }`, oldest day first. */
export function done(): Record<string, number> {
  return Object.fromEntries([...perDay.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
