import { operations, pathParameterNames, type OperationDefinition } from '@eventshop/sdk/contract';
import { commandLineFor } from '../commands/generated/command-names.js';
import { shellQuote } from '../schema/command-example.js';

/**
 * The command that shows what a failed operation was about, found in the contract rather than
 * written per operation: a GET at the operation's own path or the nearest path above it, that the
 * same caller may call (a customer is never sent to an admin-only list), and whose path parameters
 * the failed input holds (never a literal `<id>`).
 *
 * - `at: 'same'` looks from the operation's own path down: after a stale update of
 *   `PUT /api/users/profile` that is `users profile`; of `PUT /api/products/:id`, `products get <id>`.
 * - `at: 'collection'` starts above the first path parameter: after `products get <id>` found
 *   nothing, `products list`; after an address was not found, `users addresses`.
 */
export const nextCommand = (operationId: string, input: Record<string, unknown>, at: 'same' | 'collection'): string | undefined => {
  const failed = (operations as Record<string, OperationDefinition>)[operationId];
  if (!failed) return undefined;
  const segments = failed.path.split('/');
  const firstParameter = segments.findIndex((segment) => segment.startsWith(':'));
  const longest = at === 'collection' && firstParameter >= 0 ? firstParameter : segments.length;
  for (let length = longest; length > 1; length--) {
    const path = segments.slice(0, length).join('/');
    const found = readersAt(path).find((candidate) => mayCall(candidate, failed) && pathParameterNames(candidate.path).every((name) => isValue(input[name])));
    if (found) {
      const values = pathParameterNames(found.path).map((name) => shellQuote(String(input[name])));
      return [commandLineFor(found.id), ...values].join(' ');
    }
  }
  return undefined;
};

const readersAt = (path: string): OperationDefinition[] =>
  (Object.values(operations) as OperationDefinition[]).filter((candidate) => candidate.method === 'GET' && candidate.kind === 'query' && candidate.path === path);

/** Whoever could call `failed` can call `candidate`: it is public or asks for the same role. */
const mayCall = (candidate: OperationDefinition, failed: OperationDefinition): boolean => candidate.auth === 'public' || candidate.auth === failed.auth;

const isValue = (value: unknown): value is string | number => (typeof value === 'string' && value !== '') || typeof value === 'number';
