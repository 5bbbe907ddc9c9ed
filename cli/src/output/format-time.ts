const UNITS: [unit: string, ms: number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** `in 12 hours`, `3 minutes ago`: how far `instant` is from `now`, in the largest whole unit. */
export const relativeTime = (instant: Date, now: Date): string => {
  const difference = instant.getTime() - now.getTime();
  const distance = Math.abs(difference);
  const [unit, size] = UNITS.find(([, ms]) => distance >= ms) ?? ['minute', 60_000];
  const count = Math.max(1, Math.round(distance / size));
  const amount = `${count} ${unit}${count === 1 ? '' : 's'}`;
  return difference >= 0 ? `in ${amount}` : `${amount} ago`;
};

/** `2026-11-25 00:00 UTC (in 12 hours)`: a moment people can read without a time-zone puzzle. */
export const formatInstant = (iso: string, now: Date): string => {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return iso;
  return `${instant.toISOString().slice(0, 16).replace('T', ' ')} UTC (${relativeTime(instant, now)})`;
};
