import type { CliContext } from '../../context.js';
import { UsageError } from '../../errors/cli-errors.js';
import type { Printer } from '../../output/printer.js';
import type { InputObject } from '../../schema/build-input.js';
import type { InputField } from '../../schema/input-fields.js';
import { InstantError, resolveInstants } from '../../schema/instants.js';
import type { UsageHint } from '../command-usage.js';

/**
 * The input with every instant field as the ISO instant it means (`--at 2h` → two hours before
 * now), telling the person on stderr which instant each relative spelling became. A value that is
 * no instant is a usage error naming the spellings that work.
 */
export const withInstants = (input: InputObject, fields: readonly InputField[], context: CliContext, printer: Printer, hint: UsageHint): InputObject => {
  try {
    const resolved = resolveInstants(input, fields, context.now());
    for (const note of resolved.notes) printer.note(printer.noteColors.dim(note));
    return resolved.input as InputObject;
  } catch (error) {
    if (error instanceof InstantError) throw new UsageError(error.message, hint);
    throw error;
  }
};
