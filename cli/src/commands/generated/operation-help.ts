import type { AuthRequirement, OperationDefinition } from '@eventshop/sdk/contract';
import { exampleArguments } from '../../schema/command-example.js';
import type { InputField } from '../../schema/input-fields.js';

const WHO_MAY_CALL: Record<AuthRequirement, string> = {
  public: 'no login needed',
  customer: 'needs a login',
  admin: 'needs the admin role',
  operator: 'needs the operator role',
  service: 'needs the service role',
};

/** The part of `--help` after the flags: the HTTP route, who may call it, and examples that work. */
export const operationHelpFooter = (definition: OperationDefinition, fields: readonly InputField[], commandLine: string): string => {
  const examples = [[commandLine, ...exampleArguments(fields)].join(' ')];
  if (definition.pagination) examples.push(`${commandLine} --all --json | jq '.${definition.pagination.itemsField}[]'`);
  return [
    '',
    'Examples:',
    ...examples.map((example) => `  ${example}`),
    '',
    ...(definition.kind === 'stream' ? ['Runs until Ctrl-C, printing each message as it arrives (--json: one JSON object per line).', ''] : []),
    `HTTP: ${definition.method} ${definition.path} (${WHO_MAY_CALL[definition.auth]})`,
  ].join('\n');
};
