/** A command-line usage mistake: exit code 2, message without a stack. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command that ran and failed (bad feed, unknown token): exit code 1 after its own output. */
export class CommandFailed extends Error {
  constructor(message = '') {
    super(message);
    this.name = 'CommandFailed';
  }
}
