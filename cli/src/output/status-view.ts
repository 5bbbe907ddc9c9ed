import type { OutputOf } from '@eventshop/sdk';
import type { Colors } from './colors.js';
import type { Presentation } from './presentation.js';

/** What `system.status` answers: the contract's own output type. */
export type StatusView = OutputOf<'system.status'>;
type Processor = StatusView['processors'][number];

/** `3d 4h`, `2h 5m`, `42s`: how long it has been up, to the two largest units. */
export const formatUptime = (seconds: number): string => {
  const units: [string, number][] = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(seconds));
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || (parts.length === 0 && unit === 's')) parts.push(`${count}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.join(' ');
};

/** Green for well, yellow for watch, red for act now: the only colours on the screen. */
const processorPaint = (status: Processor['status'], colors: Colors) =>
  status === 'running' ? colors.green : status === 'failing' || status === 'stopped' ? colors.red : colors.yellow;
const breakerPaint = (state: string, colors: Colors) => (state === 'closed' ? colors.green : state === 'open' ? colors.red : colors.yellow);

/** Columns padded on the uncoloured text, so colour never shifts the alignment. */
const aligned = (rows: { text: string; paint: (text: string) => string }[][], indent: string): string[] => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.text.length)));
  return rows.map((row) => indent + row.map((cell, column) => cell.paint(cell.text) + (column === row.length - 1 ? '' : ' '.repeat(widths[column]! - cell.text.length))).join('  ').trimEnd());
};

/**
 * `shopctl status`: one screen for an operator. The same layout in a pipe, without colour,
 * so it can be mailed or pasted; scripts take `--json`.
 */
export const renderStatus = (status: StatusView, { colors }: Presentation): string => {
  const label = (text: string) => colors.bold(text.padEnd(11));
  const plain = (text: string) => text;
  const lines = [`${colors.bold('eventshop')} ${status.version}  ${status.instance}  up ${formatUptime(status.uptimeSeconds)}`, ''];
  lines.push(`${label('Ready')}${status.ready ? colors.green('yes') : colors.red('no')}`);
  lines.push(
    ...aligned(
      status.checks.map((check) => [
        { text: check.ok ? 'ok' : 'FAIL', paint: check.ok ? colors.green : colors.red },
        { text: check.name, paint: plain },
        { text: check.detail ?? '', paint: check.ok ? colors.dim : colors.red },
      ]),
      '  ',
    ),
  );
  const { connections, idle, waiting, max } = status.database;
  lines.push(`${label('Database')}${connections} connections, ${idle} idle, ${waiting > 0 ? colors.yellow(`${waiting} waiting`) : '0 waiting'} (pool of ${max})`);
  lines.push(`${label('Payments')}${status.payments ? `circuit breaker ${breakerPaint(status.payments.breaker, colors)(status.payments.breaker.replace('_', '-'))}` : colors.dim('no gateway in use')}`);
  lines.push(`${label('Processors')}${status.processors.length}, ${status.parked > 0 ? colors.red(`${status.parked} parked`) : '0 parked'}`);
  if (status.processors.length > 0) {
    const header = ['NAME', 'STATUS', 'LAG', 'LAG (S)', 'PARKED', 'RUN BY'].map((text) => ({ text, paint: colors.dim }));
    const rows = status.processors.map((processor) => [
      { text: processor.name, paint: plain },
      { text: processor.status.replace('_', ' '), paint: processorPaint(processor.status, colors) },
      { text: String(processor.lagEvents), paint: plain },
      { text: String(processor.lagSeconds), paint: plain },
      { text: String(processor.parked), paint: processor.parked > 0 ? colors.red : plain },
      { text: processor.heldBy ?? '-', paint: processor.heldBy ? plain : colors.red },
    ]);
    lines.push(...aligned([header, ...rows], '  '));
  }
  lines.push('');
  if (status.attention.length === 0) lines.push(colors.green('Nothing needs attention.'));
  else lines.push(colors.bold('Needs attention'), ...status.attention.map((line) => `  ${colors.yellow('!')} ${line}`));
  return lines.join('\n');
};
