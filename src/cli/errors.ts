import { UcpdError } from '../errors.js';

/** A command-line usage mistake: exit code 2, message without a stack. */
export class UsageError extends UcpdError {
  constructor(message: string) {
    super('invalid_input', 'usage', message);
    this.name = 'UsageError';
  }
}

/** A command that ran and failed (bad feed, unknown token): exit code 1 after its own output. */
export class CommandFailed extends UcpdError {
  constructor(message = '') {
    super('invalid_input', 'command_failed', message);
    this.name = 'CommandFailed';
  }
}
