import { Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../../context.js';
import { INSTANT_SPELLINGS } from '../../schema/instants.js';

const position = (text: string): number => {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError(`Expected a position in the log, such as 1042; got "${text}".`);
  return Number(text);
};

const eventTypes = (text: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
];

/**
 * `shopctl replay --script ./report.ts`: runs the person's own code over history. Hand-written,
 * because it loads a module and drives the SDK's replay rather than calling one operation.
 */
export const replayCommand = (context: CliContext): Command =>
  new Command('replay')
    .summary('Run your own script over the event log')
    .description(
      [
        'Run your own script over the event log',
        '',
        'Loads a TypeScript or JavaScript module, gives its default export every event the filters match (oldest first, typed by @eventshop/sdk’s LoggedEvent), then prints what its optional done() export returns. On a terminal a progress bar shows the rate and the time left. A script that throws stops the replay with the event’s position, and shopctl exits 1.',
      ].join('\n'),
    )
    .requiredOption('--script <file>', 'The module to run: its default export gets each event, done() returns the result')
    .option('--since <instant>', `Only events at or after this instant: ${INSTANT_SPELLINGS}`)
    .option('--until <instant>', 'Only events before this instant (same spellings)')
    .option('--type <types>', 'Only these event types (comma-separated or repeated)', eventTypes)
    .option('--stream-type <type>', 'Only streams of this type (product, user, ...)')
    .option('--after <position>', 'Start after this position (to resume a replay that stopped)', position)
    .option('--dry-run', 'Print how many events would be replayed and their range, and run nothing')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  shopctl replay --script examples/price-history.ts --type ProductCreated,ProductPriceChanged',
        '  shopctl replay --script examples/signups-per-day.ts --stream-type user --since 7d --json',
        '  shopctl replay --script examples/price-history.ts --since yesterday --dry-run',
        '',
        'Script shape (TypeScript needs tsx, installed with the repository):',
        "  import type { LoggedEvent } from '@eventshop/sdk';",
        '  let count = 0;',
        '  export default (event: LoggedEvent) => { if (event.type === "ProductPriceChanged") count++; };',
        '  export const done = () => ({ count });',
        '',
        'HTTP: GET /api/ops/events/count, then GET /api/ops/events page by page (needs the operator role)',
      ].join('\n'),
    )
    .action(async (_options: unknown, command: Command) => {
      // Loaded when it runs: `--help` needs none of the SDK client, the loader or the output.
      const { runReplay } = await import('./run-replay.js');
      await runReplay(command, context);
    });
