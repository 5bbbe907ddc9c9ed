import { ShopApiError } from '@eventshop/sdk';
import type { OperationDefinition } from '@eventshop/sdk/contract';
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { attemptOf, ForeignAnswerError, OperationFailedError, UsageError } from '../../errors/cli-errors.js';
import { globalOptionsOf } from '../../global-options.js';
import { createPrinter } from '../../output/printer.js';
import { confirmOperation } from '../../prompts/confirm-operation.js';
import { canPrompt } from '../../prompts/field-prompts.js';
import type { InputField } from '../../schema/input-fields.js';
import { clientFor, loadSession } from '../../session.js';
import { usageHintFor } from '../command-usage.js';
import { followStream } from './follow-stream.js';
import { followWork } from './follow-work.js';
import { gatherInput, type FieldOptions } from './gather-input.js';
import { withInstants } from './instant-input.js';
import { printResult } from './print-result.js';
import { keepSession, noteSecretsShownOnce } from './renew-session.js';
import { allItems, callOperation } from './sdk-calls.js';

export type OperationRun = {
  definition: OperationDefinition;
  fields: readonly InputField[];
  fieldOptions: FieldOptions;
  positionalValues: readonly unknown[];
  command: Command;
  context: CliContext;
};

/** The action of every generated command: gather the input, call the operation through the SDK, print the answer. */
export const runOperation = async ({ definition, fields, fieldOptions, positionalValues, command, context }: OperationRun): Promise<void> => {
  const globals = globalOptionsOf(command);
  const printer = createPrinter(context.io, context.env, globals);
  const own = command.opts<{ input?: string; all?: boolean; yes?: boolean; detach?: boolean }>();
  const hint = usageHintFor(command);
  // `--input -` has taken stdin, so there is no keyboard left to answer prompts.
  const promptColors = canPrompt(context.io, globals) && own.input !== '-' ? printer.noteColors : undefined;

  const input = withInstants(await gatherInput({ fields, fieldOptions, positionalValues, command, context, inputOption: own.input, hint, promptColors }), fields, context, printer, hint);
  await confirmOperation(definition, { yes: own.yes === true, interactive: promptColors !== undefined, io: context.io, hint });
  // A public command signs someone in (`users register`): like `shopctl login`, it may create the profile it saves to.
  const { configPath, connection } = await loadSession(context, globals, { mustExist: !(definition.auth === 'public' && definition.kind === 'command') });
  const client = clientFor(connection, definition);
  const sent = definition.auth === 'public' ? undefined : connection.credential;
  const attempt = attemptOf(definition, { input, fields, hint, url: connection.url, credential: sent && { kind: sent.kind, source: sent.source } });
  try {
    if (definition.kind === 'stream') return await followStream(definition, input, { client, context, printer });
    const pagination = definition.pagination;
    if (own.all && pagination) {
      if (input[pagination.cursorField] !== undefined) throw new UsageError(`Use either --all or --${pagination.cursorField}, not both.`, hint);
      const items = await allItems(client, definition.id, input);
      printResult(printer, definition, { [pagination.itemsField]: items, [pagination.nextCursorField]: null });
      return;
    }
    const response = await callOperation(client, definition.id, input);
    if (globals.verbose) {
      printer.note(`${definition.method} ${definition.path} → HTTP ${response.status}${response.requestId ? `, request id ${response.requestId}` : ''}`);
    }
    checkAnswerIsJson(response, connection.url);
    if (definition.followWith && !own.detach) return await followWork(definition, input, { client, context, printer });
    printResult(printer, definition, response.data);
    await keepSession(definition, response.data, { configPath, connection, printer });
    noteSecretsShownOnce(response.data, printer, definition.auth === 'public' || (definition.renewsSession === true && connection.credential?.source === 'profile'));
  } catch (error) {
    throw error instanceof ShopApiError ? new OperationFailedError(error, attempt) : error;
  } finally {
    await client.close();
  }
};

/**
 * Every operation answers JSON. Text in its place (an HTML page from a web server or a proxy at
 * that URL) means the URL reaches something else; printing the page would only hide that. The SDK
 * is learning to refuse such answers itself (code `unexpected_response`); until then, and for a
 * success status, this check says it.
 */
const checkAnswerIsJson = (response: { data: unknown; status: number; headers: Record<string, string> }, url: string): void => {
  const type = response.headers['content-type'];
  if (response.data === undefined || (type !== undefined && /[/+]json\b/i.test(type))) return;
  throw new ForeignAnswerError(url, response.status, type);
};
