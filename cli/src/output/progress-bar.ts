import type { OutputStream } from '../context.js';

export type Progress = { done: number; total: number; eventsPerSecond: number; secondsLeft: number };

const WIDTH = 24;
const number = new Intl.NumberFormat('en');

const duration = (seconds: number): string => {
  const whole = Math.ceil(seconds);
  return whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
};

/** `[##########--------------]  42%  4,200/10,000 events  12,345/s  5s left`. */
export const progressLine = ({ done, total, eventsPerSecond, secondsLeft }: Progress): string => {
  const share = total > 0 ? Math.min(done / total, 1) : 1;
  const filled = Math.round(share * WIDTH);
  return [
    `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}]`,
    `${String(Math.floor(share * 100)).padStart(3)}%`,
    `${number.format(done)}/${number.format(total)} events`,
    `${number.format(Math.round(eventsPerSecond))}/s`,
    done < total ? `${duration(secondsLeft)} left` : '',
  ]
    .filter(Boolean)
    .join('  ');
};

/**
 * A progress bar redrawn in place on a terminal, at most ten times a second; on anything else
 * (a pipe, a file, CI logs) it draws nothing at all.
 */
export const progressBar = (stream: OutputStream) => {
  const live = stream.isTTY === true;
  let drawnAt = 0;
  let drawn = false;
  return {
    update(progress: Progress) {
      if (!live) return;
      const now = performance.now();
      if (drawn && now - drawnAt < 100 && progress.done < progress.total) return;
      drawnAt = now;
      drawn = true;
      stream.write(`\r\u001b[2K${progressLine(progress)}`);
    },
    /** Takes the bar off the screen, so what follows starts on a clean line. */
    clear() {
      if (live && drawn) stream.write('\r\u001b[2K');
      drawn = false;
    },
  };
};
