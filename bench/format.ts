/** Plain-text output helpers: the figures are meant to be pasted into docs/performance.md as printed. */

export type Log = (line: string) => void;

export const formatRate = (opsPerSec: number) => (Number.isFinite(opsPerSec) ? opsPerSec.toFixed(0) : '-');

export const formatMs = (ms: number) => (Number.isFinite(ms) ? (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)) : '-');

export const formatRatio = (ratio: number | undefined) => (ratio !== undefined && Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : '-');

/** Left-aligned first column, right-aligned numbers, two spaces between columns. */
export const table = (headers: string[], rows: string[][]): string[] => {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
};

export const verdict = (met: boolean | undefined) => (met === undefined ? 'NOT MEASURED' : met ? 'PASS' : 'MISS');
