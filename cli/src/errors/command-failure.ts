/**
 * A command could not do its work, for a reason its message already says in full with the next
 * step (a replay script that threw, a script that cannot be loaded). Exits 1 with the message as is.
 */
export class CommandFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandFailure';
  }
}
