/**
 * The conformance suite's vocabulary: checks (id, group, severity, spec reference), their outcomes with
 * evidence, and the run's report. A check that cannot run (the endpoint lacks the capability) is
 * skipped with a reason, never passed.
 */
import { UcpdError } from '../errors.js';
export type Group = 'commerce' | 'trust' | 'ucp' | 'robustness';
export type Severity = 'required' | 'recommended';
export type Status = 'pass' | 'fail' | 'warn' | 'skip';

export interface Evidence {
  url?: string;
  expected?: string;
  got?: string;
  detail?: string;
}

export interface CheckResult {
  id: string;
  group: Group;
  severity: Severity;
  title: string;
  spec: string;
  status: Status;
  /** Why it failed / warned / was skipped, or what was verified. */
  message: string;
  evidence: Evidence[];
  ms: number;
}

export interface Report {
  base: string;
  startedAt: string;
  durationMs: number;
  results: CheckResult[];
  summary: Record<Status, number>;
  /** No required check failed. */
  ok: boolean;
  /** HTTP requests the run made. */
  requests: number;
}

/** Evidence entries a result keeps; the message says how many problems there were in all. */
export const EVIDENCE_SHOWN = 10;

/** Thrown inside a check to end it with a status. */
export class Outcome extends UcpdError {
  readonly evidence: Evidence[];
  constructor(
    readonly status: Status,
    message: string,
    evidence: Evidence[] = [],
  ) {
    // a check's verdict about the server under test, thrown to end the check: never a fault of ucpd's own
    super('invalid_input', `check_${status}`, message);
    this.evidence = evidence.slice(0, EVIDENCE_SHOWN);
  }
}

export const skip = (reason: string): Outcome => new Outcome('skip', reason);
export const fail = (message: string, ...evidence: Evidence[]): Outcome => new Outcome('fail', message, evidence);
export const warn = (message: string, ...evidence: Evidence[]): Outcome => new Outcome('warn', message, evidence);

export interface CheckDefinition<C> {
  id: string;
  group: Group;
  severity: Severity;
  title: string;
  spec: string;
  /** Resolve with a pass message (and evidence); throw Outcome (skip/fail/warn) otherwise. */
  run(ctx: C): Promise<{ message: string; evidence?: Evidence[] } | string>;
}
