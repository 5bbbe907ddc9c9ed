import { Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../../context.js';

const sampleSize = (text: string): number => {
  if (!/^\d+$/.test(text.trim()) || Number(text) > 100) throw new InvalidArgumentError(`Expected how many rows of each kind to show (0-100); got "${text}".`);
  return Number(text);
};

/**
 * `shopctl read-models what-if <name> --script ./changed-projection.ts`. Hand-written beside the
 * generated `read-models` commands, because it runs the person's own code (here, never on the
 * server) and compares, rather than calling one operation.
 */
export const whatIfCommand = (context: CliContext): Command =>
  new Command('what-if')
    .summary('Run a changed projection over history and show where it differs from the live read model')
    .description(
      [
        'Run a changed projection over history and show where it differs from the live read model',
        '',
        'Loads your script (TypeScript or JavaScript) here, in shopctl, gives its default export every event up to where the live read model stands (read through the API, oldest first), then compares the rows its done() returns with the live rows of the same tables, matched by primary key: rows added, removed and changed, with a sample of each. The script runs on your machine, never on the server, and nothing is written anywhere: the live read model is untouched.',
      ].join('\n'),
    )
    .argument('<name>', 'The read model (from shopctl processors list)')
    .requiredOption('--script <file>', 'The changed projection: default export gets each event, done() returns { <table>: rows }')
    .option('--sample <n>', 'Rows of each kind of difference to show (default 3)', sampleSize, 3)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  shopctl read-models what-if catalog_category_stats --script examples/changed-category-stats.ts',
        '  shopctl read-models what-if catalog_category_stats --script examples/changed-category-stats.ts --sample 10 --json',
        '',
        'Script shape (TypeScript needs tsx, installed with the repository):',
        "  import type { LoggedEvent } from '@eventshop/sdk';",
        "  export const handles = ['ProductCreated', 'ProductPriceChanged'];   // optional: the event types it is given",
        '  export default (event: LoggedEvent) => { /* fold the event into your own state */ };',
        '  export const done = () => ({ catalog_category_stats: [/* the rows your projection would hold */] });',
        '',
        'HTTP: GET /api/ops/processors, GET /api/ops/events page by page, GET /api/ops/read-models/:name/tables/:table/rows (needs the operator role)',
      ].join('\n'),
    )
    .action(async (name: string, _options: unknown, command: Command) => {
      const { runWhatIf } = await import('./run-what-if.js');
      await runWhatIf(name, command, context);
    });
