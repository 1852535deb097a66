/**
 * The backstop: a fault in one request never ends the process. Every route already maps its errors to
 * its protocol's shape; this catches what slipped through anyway: a synchronous throw from a handler
 * (answered 500 without internals, logged with its stack) and, process-wide, an exception or rejection
 * nobody handled (logged and counted; the process keeps serving). The count and the last fault show on
 * /healthz, so a fault that would have been a crash is still seen. If the process dies anyway (out of
 * memory, SIGKILL), a supervisor restarts it: see README, "Running in production".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { problem, sendProblem } from '../edge/problem.js';

export class Faults {
  count = 0;
  last?: { at: string; where: string };

  record(logger: Logger, where: string, err: unknown): void {
    this.count++;
    this.last = { at: new Date().toISOString(), where };
    logger.error('fault caught by the backstop; the process keeps serving', { where, error: err instanceof Error ? err.stack : String(err) });
  }
}

/** Run `handler`; a synchronous throw is answered 500 (or the connection closed, if the answer began). */
export function guardRequests(handler: (req: IncomingMessage, res: ServerResponse) => void, logger: Logger, faults: Faults): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      handler(req, res);
    } catch (err) {
      faults.record(logger, `${req.method} ${(req.url ?? '').slice(0, 200)}`, err);
      if (res.headersSent) res.destroy();
      else sendProblem(res, problem(500, 'internal_error', 'the server could not complete the request'));
    }
  };
}

/**
 * Process-wide: an uncaught exception or unhandled rejection is logged and counted instead of ending the
 * process (Node's default). Returns a function that removes the handlers (tests).
 */
export function installProcessBackstop(logger: Logger, faults: Faults): () => void {
  const onException = (err: unknown, origin: string) => faults.record(logger, origin, err);
  const onRejection = (reason: unknown) => faults.record(logger, 'unhandledRejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
