/**
 * How a reader of the log hears of this instance's own appends as they commit (the event store's
 * `onCommitted`), to read at once instead of at its next poll. Appends by other instances are
 * still found by polling. Answers the unsubscribe.
 */
export type CommitWakeups = (listener: (types: readonly string[]) => void) => () => void;

/**
 * A poller's wait that a commit can cut short: `rest(ms)` waits up to `ms`, and ends early when
 * an append that `wanted` accepts commits (or `signal` aborts). `takeWoken()` says whether one
 * committed since it was last asked, so a wake-up during a read is not slept through.
 */
export const wakeableRest = (wakeups: CommitWakeups | undefined, signal: AbortSignal, wanted: (types: readonly string[]) => boolean = () => true) => {
  let woken = false;
  let wake: (() => void) | undefined;
  const unsubscribe = wakeups?.((types) => {
    if (!wanted(types)) return;
    woken = true;
    wake?.();
  });
  return {
    takeWoken() {
      const was = woken;
      woken = false;
      return was;
    },
    rest: (ms: number) =>
      new Promise<void>((resolve) => {
        if (woken || signal.aborted) return resolve();
        const done = () => {
          clearTimeout(timer);
          wake = undefined;
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        wake = done;
        signal.addEventListener('abort', done, { once: true });
      }),
    close: () => unsubscribe?.(),
  };
};

/**
 * An event read right after its commit may not be readable yet: the log shows it only once every
 * older transaction (in any database of the cluster) has ended. After a wake-up whose read found
 * nothing, a reader looks again after this wait, doubled each time nothing shows, up to its poll.
 */
export const AFTER_WAKE_FIRST_RETRY_MS = 5;

/** The next wait of a reader that was woken and has not read anything since: `previous` 0 for the first. */
export const afterWakeRetryMs = (previous: number, pollMs: number) => Math.min(pollMs, previous === 0 ? AFTER_WAKE_FIRST_RETRY_MS : previous * 2);
