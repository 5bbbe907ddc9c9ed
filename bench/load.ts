import { performance } from 'node:perf_hooks';

export type LatencySummary = { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };

export type LoadResult = {
  concurrency: number;
  /** Operations started; equals `total` unless the time cap stopped the run early. */
  attempted: number;
  completed: number;
  failed: number;
  elapsedMs: number;
  /** Completed operations per second of wall-clock time. */
  opsPerSec: number;
  latency: LatencySummary;
  /**
   * CPU time this Node process spent per completed operation (user + system, all of its threads).
   * With clients and server in one process, this is what caps throughput once one core is busy.
   */
  cpuMsPerOp: number;
  /** Process CPU time / wall time: near 1.0 means the event loop's core was saturated. */
  cpuShare: number;
  /** Latency of each operation by its index (NaN when it failed or never ran), to find the slow ones. */
  samplesMs: Float64Array;
  firstError: string | undefined;
};

export type LoadOptions = {
  concurrency: number;
  total: number;
  /** A safety bound so a pathological run still ends by itself. */
  maxDurationMs?: number;
  /** `worker` is stable per virtual client (0..concurrency-1), so each can own a connection. */
  operation: (index: number, worker: number) => Promise<void>;
};

/**
 * Closed loop: `concurrency` workers each run one operation at a time, taking the next index
 * until `total` are done. Throughput then reflects how fast the system answers, not how fast
 * we can queue requests, and latency is what one waiting client sees.
 */
export const runClosedLoop = async (options: LoadOptions): Promise<LoadResult> => {
  const { concurrency, total, operation } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const samplesMs = new Float64Array(total).fill(Number.NaN);
  let next = 0;
  let completed = 0;
  let failed = 0;
  let firstError: string | undefined;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + (options.maxDurationMs ?? Number.POSITIVE_INFINITY);

  const worker = async (id: number) => {
    while (next < total && performance.now() < deadline) {
      const index = next++;
      const t0 = performance.now();
      try {
        await operation(index, id);
        samplesMs[index] = performance.now() - t0;
        completed++;
      } catch (error) {
        failed++;
        firstError ??= describeError(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;

  return {
    concurrency,
    attempted: next,
    completed,
    failed,
    elapsedMs,
    opsPerSec: elapsedMs > 0 ? (completed / elapsedMs) * 1000 : 0,
    latency: summarize(samplesMs),
    cpuMsPerOp: completed > 0 ? cpuMs / completed : Number.NaN,
    cpuShare: elapsedMs > 0 ? cpuMs / elapsedMs : 0,
    samplesMs,
    firstError,
  };
};

/**
 * One result from several runs at the same concurrency (the rounds of one path), as if they were
 * one run: counts and times add up, rates and percentiles come from the totals and all samples.
 */
export const combineRuns = (runs: LoadResult[]): LoadResult => {
  if (runs.length === 0) throw new RangeError('combineRuns needs at least one run');
  const sum = (pick: (run: LoadResult) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const completed = sum((run) => run.completed);
  const elapsedMs = sum((run) => run.elapsedMs);
  const cpuMs = sum((run) => (run.completed > 0 ? run.cpuMsPerOp * run.completed : 0));
  const samplesMs = new Float64Array(sum((run) => run.samplesMs.length));
  let offset = 0;
  for (const run of runs) {
    samplesMs.set(run.samplesMs, offset);
    offset += run.samplesMs.length;
  }
  return {
    concurrency: runs[0]!.concurrency,
    attempted: sum((run) => run.attempted),
    completed,
    failed: sum((run) => run.failed),
    elapsedMs,
    opsPerSec: elapsedMs > 0 ? (completed / elapsedMs) * 1000 : 0,
    latency: summarize(samplesMs),
    cpuMsPerOp: completed > 0 ? cpuMs / completed : Number.NaN,
    cpuShare: elapsedMs > 0 ? sum((run) => run.cpuShare * run.elapsedMs) / elapsedMs : 0,
    samplesMs,
    firstError: runs.find((run) => run.firstError !== undefined)?.firstError,
  };
};

/** Exact nearest-rank percentiles over the successful samples (at most a few hundred thousand, so sorting is cheap). */
const summarize = (samplesMs: Float64Array): LatencySummary => {
  const sorted = samplesMs.filter((value) => !Number.isNaN(value)).sort();
  return { p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? Number.NaN };
};

export const percentile = (sorted: Float64Array, p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
};

const describeError = (error: unknown): string => {
  if (error instanceof Error) {
    const status = (error as { status?: unknown }).status;
    return `${error.name}${typeof status === 'number' && status > 0 ? ` ${status}` : ''}: ${error.message}`;
  }
  return String(error);
};
