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
  // Printed examples are run by a test (help-examples.int.test.ts), so each must work as it stands:
  // a scripted run of an irreversible command needs --yes, and every page needs the required arguments too.
  // A raw-body operation (a signed webhook) is called by the gateway with bytes it signed: no example a person could run.
  const examples = definition.rawBody ? [] : [[commandLine, ...exampleArguments(fields), ...(definition.confirm ? ['--yes'] : [])].join(' ')];
  if (definition.pagination) {
    examples.push([commandLine, ...exampleArguments(fields, { withOptional: false }), `--all --json | jq '.${definition.pagination.itemsField}[]'`].join(' '));
  }
  return [
    '',
    ...(examples.length ? ['Examples:', ...examples.map((example) => `  ${example}`), ''] : []),
    ...(definition.rawBody ? ['Called by the payment gateway with a signed body; a request without its signature is refused (400).', ''] : []),
    ...(definition.kind === 'stream' && definition.finite
      ? ['Runs until the work ends, printing each message as it arrives (--json: one JSON object per line).', '']
      : definition.kind === 'stream'
        ? ['Runs until Ctrl-C, printing each message as it arrives (--json: one JSON object per line).', '']
        : []),
    ...(definition.followWith
      ? ['Follows the work to its end: a progress bar on a terminal, then the result (--json: one JSON object per progress message; --detach: answer at once).', '']
      : []),
    `HTTP: ${definition.method} ${definition.path} (${WHO_MAY_CALL[definition.auth]})`,
  ].join('\n');
};
