/** Where a command writes. Real runs pass process streams; tests pass buffers with a chosen `isTTY`. */
export type OutputStream = NodeJS.WritableStream & { isTTY?: boolean | undefined };
export type InputStream = NodeJS.ReadableStream & { isTTY?: boolean | undefined };

export type Io = { stdout: OutputStream; stderr: OutputStream; stdin: InputStream };

/** Everything a command reads from its surroundings, passed in so commands never reach for globals. */
export type CliContext = {
  io: Io;
  env: NodeJS.ProcessEnv;
  homeDir: string;
  now: () => Date;
  /** Aborted when the person asks a long-running command to stop; without it, Ctrl-C and SIGTERM do. */
  interrupt?: AbortSignal;
};

/** Reads stdin to its end (for `--input -` and `--password-stdin`). */
export const readAll = async (stream: NodeJS.ReadableStream): Promise<string> => {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text;
};
