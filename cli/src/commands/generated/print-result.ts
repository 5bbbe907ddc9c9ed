import { groupOf, type OperationDefinition } from '@eventshop/sdk/contract';
import { renderKeyValue } from '../../output/key-value.js';
import { groupNoun } from '../../output/labels.js';
import { operationViews } from '../../output/operation-views.js';
import type { Printer } from '../../output/printer.js';
import { defaultColumns, renderTable } from '../../output/table.js';

/**
 * An operation's answer: JSON with --json; otherwise a table for lists (with a hint to the next
 * page on stderr) and labelled lines for a single object.
 */
export const printResult = (printer: Printer, definition: OperationDefinition, data: unknown): void => {
  const pagination = definition.pagination;
  const rows = pagination ? (data as Record<string, unknown> | undefined)?.[pagination.itemsField] : data;
  const ownView = operationViews[definition.id as keyof typeof operationViews];
  if (!Array.isArray(rows)) {
    printer.result(data, () => (ownView ? ownView(data, printer.presentation) : singleView(data, definition, printer)));
    return;
  }
  printer.result(data, () => (ownView && rows.length > 0 ? ownView(data, printer.presentation) : listView(rows as Record<string, unknown>[], definition, printer)));
  if (printer.json) return;
  // People read "No products found." where the table would be; scripts get an empty stdout and the note on stderr.
  if (rows.length === 0 && !printer.presentation.forPeople) printer.note(emptyListMessage(definition));
  const next = pagination ? (data as Record<string, unknown>)[pagination.nextCursorField] : undefined;
  if (pagination && typeof next === 'string') {
    printer.note(printer.noteColors.dim(`More results: run again with --${pagination.cursorField} ${next}, or use --all for every page.`));
  }
};

const emptyListMessage = (definition: OperationDefinition): string => `No ${groupNoun(groupOf(definition.id))} found.`;

const listView = (rows: Record<string, unknown>[], definition: OperationDefinition, printer: Printer): string => {
  if (rows.length === 0) return printer.presentation.forPeople ? emptyListMessage(definition) : '';
  const columns = definition.tableColumns ?? defaultColumns(rows);
  return renderTable(rows, columns, printer.presentation);
};

const singleView = (data: unknown, definition: OperationDefinition, printer: Printer): string => {
  if (typeof data === 'object' && data !== null) return renderKeyValue(data as Record<string, unknown>, definition.tableColumns ?? [], printer.presentation);
  return data === undefined ? '' : String(data);
};
