import type { Io } from '../context.js';
import type { GlobalOptions } from '../global-options.js';
import { colorEnabled, createColors } from './colors.js';
import type { Presentation } from './presentation.js';

/**
 * The one way commands write. Results go to stdout (as JSON with --json); everything else a
 * person should know (hints, notes) goes to stderr, so `--json` output and pipes stay clean.
 */
export type Printer = {
  readonly json: boolean;
  readonly presentation: Presentation;
  /** Colours for stderr, which may be a terminal when stdout is not. */
  readonly noteColors: Presentation['colors'];
  /** The command's result: JSON with --json, else `renderForPeople()`'s text. */
  result(data: unknown, renderForPeople: () => string): void;
  /** A line on stdout for people, never in --json mode. */
  line(text: string): void;
  /** A diagnostic on stderr. */
  note(text: string): void;
};

export const createPrinter = (io: Io, env: NodeJS.ProcessEnv, globals: GlobalOptions): Printer => {
  const presentation: Presentation = {
    colors: createColors(colorEnabled({ env, colorFlag: globals.color, isTTY: io.stdout.isTTY })),
    forPeople: io.stdout.isTTY === true,
  };
  const writeLine = (stream: Io['stdout'], text: string) => {
    if (text !== '') stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  return {
    json: globals.json,
    presentation,
    noteColors: createColors(colorEnabled({ env, colorFlag: globals.color, isTTY: io.stderr.isTTY })),
    result(data, renderForPeople) {
      if (globals.json) writeLine(io.stdout, JSON.stringify(data ?? null, null, 2));
      else writeLine(io.stdout, renderForPeople());
    },
    line(text) {
      if (!globals.json) writeLine(io.stdout, text);
    },
    note(text) {
      writeLine(io.stderr, text);
    },
  };
};
