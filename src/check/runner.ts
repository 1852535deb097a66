/**
 * `runChecks(url, options)`: the conformance suite as a library. Checks run in catalog order sharing one
 * context (documents are fetched once); robustness probes run last so their load cannot disturb the
 * others. A check that throws something other than an Outcome fails with the error: a crash in the
 * checker or an endpoint quirk is reported against the check, never ends the run.
 */
import { startAgentServer, type AgentServer } from './agent-server.js';
import { commerceChecks } from './checks/commerce.js';
import { robustnessChecks } from './checks/robustness.js';
import { trustChecks } from './checks/trust.js';
import { ucpChecks } from './checks/ucp.js';
import { CheckContext, type CheckOptions } from './context.js';
import { Outcome, type CheckDefinition, type CheckResult, type Group, type Report, type Status } from './model.js';

export const GROUPS: Group[] = ['commerce', 'trust', 'ucp', 'robustness'];

/** Every check, in the order they run. */
export const CHECKS: readonly CheckDefinition<CheckContext>[] = [...commerceChecks, ...trustChecks, ...ucpChecks, ...robustnessChecks];

export interface RunOptions extends CheckOptions {
  /** Called before each check starts and after it ends (progress). */
  onStart?: (check: CheckDefinition<CheckContext>, index: number, total: number) => void;
  onResult?: (result: CheckResult, index: number, total: number) => void;
}

export async function runChecks(baseUrl: string, options: RunOptions = {}): Promise<Report> {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`not a URL: ${baseUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${baseUrl}`);
  const only = options.only?.length ? options.only : GROUPS;
  const selected = CHECKS.filter((c) => only.includes(c.group));
  const started = Date.now();
  const needsAgent = !options.agent && !options.agentProfile && only.some((g) => g === 'ucp' || g === 'robustness');
  let own: AgentServer | undefined;
  if (needsAgent) own = await startAgentServer(options.agentPort ?? 0);
  const ctx = new CheckContext(url.href, options, options.agent ?? own);
  const results: CheckResult[] = [];
  try {
    for (const [i, check] of selected.entries()) {
      options.onStart?.(check, i, selected.length);
      const r = await runOne(check, ctx);
      results.push(r);
      options.onResult?.(r, i, selected.length);
    }
  } finally {
    await own?.close();
  }
  const summary: Record<Status, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const r of results) summary[r.status]++;
  return {
    base: ctx.base,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    results,
    summary,
    ok: !results.some((r) => r.status === 'fail' && r.severity === 'required'),
    requests: ctx.client.requests,
  };
}

async function runOne(check: CheckDefinition<CheckContext>, ctx: CheckContext): Promise<CheckResult> {
  const t0 = performance.now();
  const base = { id: check.id, group: check.group, severity: check.severity, title: check.title, spec: check.spec };
  try {
    const out = await check.run(ctx);
    const { message, evidence = [] } = typeof out === 'string' ? { message: out } : out;
    return { ...base, status: 'pass', message, evidence, ms: performance.now() - t0 };
  } catch (err) {
    if (err instanceof Outcome) {
      // a recommended check never fails a run: its failures are warnings
      const status = err.status === 'fail' && check.severity === 'recommended' ? 'warn' : err.status;
      return { ...base, status, message: err.message, evidence: err.evidence, ms: performance.now() - t0 };
    }
    const e = err as Error;
    return {
      ...base,
      status: 'fail',
      message: `the check could not complete: ${e.message}`,
      evidence: [{ detail: e.stack?.split('\n').slice(0, 3).join(' | ') ?? String(err) }],
      ms: performance.now() - t0,
    };
  }
}
