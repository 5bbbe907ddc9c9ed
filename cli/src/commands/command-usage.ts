import type { Command } from 'commander';

/** What an error about the command line shows: the usage line and where the full help is. */
export type UsageHint = { usage: string; help: string };

/** `shopctl products update`: the names from the root down to `command`. */
export const commandPath = (command: Command): string => {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
};

export const usageHintFor = (command: Command): UsageHint => ({
  usage: `${commandPath(command)} ${command.usage()}`.trim(),
  help: `${commandPath(command)} --help`,
});

export const formatUsageHint = ({ usage, help }: UsageHint): string => `Usage: ${usage}\nRun \`${help}\` for details.`;
