import os from 'node:os';
import { operations, pathParameterNames, type OperationDefinition } from '@eventshop/sdk/contract';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../context.js';
import { kebabCase } from '../../schema/flag-names.js';
import { testIo } from '../../testing/test-streams.js';
import { groupCommandName, operationCommandName } from './command-names.js';
import { addOperationCommands } from './register-operations.js';

const context: CliContext = { io: testIo({ tty: false }), env: {}, homeDir: os.tmpdir(), now: () => new Date() };

const buildProgram = (options?: Parameters<typeof addOperationCommands>[2]) => {
  const program = new Command('shopctl');
  addOperationCommands(program, context, options);
  return program;
};

const find = (program: Command, ...names: string[]) =>
  names.reduce<Command | undefined>((command, name) => command?.commands.find((candidate) => candidate.name() === name), program);

const entries = Object.entries(operations) as [string, OperationDefinition][];

describe('commands generated from the contract', () => {
  const program = buildProgram();

  it.each(entries)('%s is reachable as shopctl <group> <name>', (id, definition) => {
    const command = find(program, groupCommandName(id), operationCommandName(definition));
    expect(command, `shopctl ${groupCommandName(id)} ${operationCommandName(definition)}`).toBeDefined();
    const positionals = [...pathParameterNames(definition.path), ...(definition.cliPositional ? [definition.cliPositional] : [])];
    expect(command!.registeredArguments.map((argument) => argument.name())).toEqual(positionals.map(kebabCase));
    expect(command!.options.some((option) => option.long === '--all')).toBe(definition.pagination !== undefined);
  });

  it('uses cliName where the contract gives one', () => {
    expect(find(program, 'products', 'by-category')?.registeredArguments[0]?.name()).toBe('category-id');
    expect(find(program, 'system', 'health')).toBeDefined();
  });

  it('takes the contract’s cliPositional subject as an argument, its flag still working', () => {
    const search = find(program, 'products', 'search')!;
    expect(search.registeredArguments.map((argument) => argument.name())).toEqual(['q']);
    expect(search.options.some((option) => option.long === '--q')).toBe(true);
    expect(fullHelp(search)).toContain("shopctl products search 'espresso cup'");
  });

  it('shows the summary, description, an example and the HTTP route in --help', () => {
    const help = fullHelp(find(program, 'products', 'create')!);
    expect(help).toContain('Create a product');
    expect(help).toContain('Adds a product to the catalog.');
    expect(help).toContain('--price-amount <integer>');
    expect(help).toContain("shopctl products create --name 'Espresso cup' --price-amount 1999 --price-currency USD --category-id kitchen");
    expect(help).toContain('HTTP: POST /api/products (needs the admin role)');
  });

  it('adds top-level shortcuts and lets a hand-written command take an operation’s place', () => {
    const handWritten = new Command('login').description('hand-written');
    const withExtras = buildProgram({ shortcuts: ['system.health'], replacedBy: { 'auth.login': () => handWritten } });
    expect(find(withExtras, 'health')?.summary()).toBe(operations['system.health'].summary);
    expect(find(withExtras, 'auth', 'login')).toBe(handWritten);
  });
});

/** What `--help` prints: `helpInformation()` alone leaves out the text added with `addHelpText('after')`. */
const fullHelp = (command: Command): string => {
  let text = '';
  command.configureOutput({ writeOut: (chunk) => (text += chunk) });
  command.outputHelp();
  return text;
};

describe('history commands from three-segment ids', () => {
  const program = buildProgram();

  it('are named by the last two segments: shopctl streams state, shopctl events tail', () => {
    expect(find(program, 'streams')?.commands.map((command) => command.name())).toEqual(['list', 'events', 'state', 'diff']);
    expect(find(program, 'events')?.commands.map((command) => command.name())).toEqual(['list', 'count', 'tail', 'types']);
    expect(find(program, 'ops')).toBeUndefined();
  });

  it('say in --help that a stream command runs until Ctrl-C', () => {
    expect(fullHelp(find(program, 'events', 'tail')!)).toContain('Runs until Ctrl-C, printing each message as it arrives (--json: one JSON object per line).');
    expect(fullHelp(find(program, 'events', 'list')!)).not.toContain('Runs until Ctrl-C');
  });

  it('say in --help that instant flags take relative spellings too', () => {
    const help = fullHelp(find(program, 'streams', 'state')!).replace(/\s+/g, ' ');
    expect(help).toContain('--at <string> The instant to show (ISO 8601) (also relative: 30m, 2h, 3d, yesterday, now)');
  });
});
