/** `ucpd check <base-url>`: the conformance suite against any endpoint. Exit 0 ok, 1 a required check failed, 2 usage. */
import { isProtocolVersion, PROTOCOL_VERSIONS } from '../../ucp/versions.js';
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { GROUPS, CHECKS, runChecks } from '../../check/runner.js';
import { checkTable, formatResult, formatReport, junitReport } from '../../check/report.js';
import type { Group } from '../../check/model.js';
import { CommandFailed, UsageError } from '../errors.js';

function nonNegativeInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer`);
  return n;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('conformance suite: can agents discover, read, trust and buy from <base-url>?')
    .argument('[base-url]', 'the endpoint to check, e.g. https://shop.example')
    .option('--only <groups>', `comma-separated groups: ${GROUPS.join(',')}`)
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--json <file>', 'also write the report as JSON')
    .option('--allow-orders', "let the checkout check complete a real order (paid with the business's test payment handler)")
    .option('--agent-profile <url>', 'a platform profile URL the endpoint can fetch (default: the checker serves its own on loopback)')
    .option('--ucp-version <version>', `the UCP version the checker speaks (${PROTOCOL_VERSIONS.join(', ')}; default: the newest the endpoint supports)`)
    .option('--agent-port <port>', "port for the checker's own profile server (allow it on the endpoint: ucpd --profile-fetch-allow 127.0.0.1:<port>)")
    .option('--max-documents <n>', 'product documents to fetch and check in depth', '2000')
    .option('--timeout <ms>', 'per-request timeout', '15000')
    .option('--list', 'list every check (id, severity, what it verifies) and exit')
    .option('--list-markdown', 'the check list as a Markdown table')
    .option('-v, --verbose', 'show evidence for passing checks too')
    .action(async (baseUrl: string | undefined, opts) => {
      if (opts.list || opts.listMarkdown) {
        process.stdout.write(`${opts.listMarkdown ? checkTable(CHECKS) : CHECKS.map((c) => `${c.id.padEnd(32)} ${c.severity.padEnd(12)} ${c.title}`).join('\n')}\n`);
        return;
      }
      if (!baseUrl) throw new UsageError('check needs a base URL, e.g. ucpd check http://127.0.0.1:8080');
      try {
        const u = new URL(baseUrl);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
      } catch {
        throw new UsageError(`not an http(s) URL: ${baseUrl}`);
      }
      const only = opts.only
        ? (String(opts.only)
            .split(',')
            .map((g) => g.trim())
            .filter(Boolean) as Group[])
        : undefined;
      for (const g of only ?? []) if (!GROUPS.includes(g)) throw new UsageError(`--only: unknown group "${g}" (groups: ${GROUPS.join(', ')})`);
      if (opts.agentProfile) {
        try {
          new URL(String(opts.agentProfile));
        } catch {
          throw new UsageError(`--agent-profile: not a URL: ${String(opts.agentProfile)}`);
        }
      }
      if (opts.ucpVersion !== undefined && !isProtocolVersion(String(opts.ucpVersion)))
        throw new UsageError(`--ucp-version: the checker speaks ${PROTOCOL_VERSIONS.join(' and ')}, not "${String(opts.ucpVersion)}"`);
      const agentPort = nonNegativeInt(opts.agentPort, '--agent-port');
      if (agentPort !== undefined && agentPort > 65535) throw new UsageError('--agent-port must be at most 65535');
      const maxDocuments = nonNegativeInt(opts.maxDocuments, '--max-documents');
      const timeoutMs = nonNegativeInt(opts.timeout, '--timeout');
      const tty = process.stderr.isTTY;
      const report = await runChecks(baseUrl, {
        ...(only ? { only } : {}),
        allowOrders: !!opts.allowOrders,
        ...(opts.agentProfile ? { agentProfile: String(opts.agentProfile) } : {}),
        ...(opts.ucpVersion ? { ucpVersion: String(opts.ucpVersion) } : {}),
        ...(agentPort !== undefined ? { agentPort } : {}),
        ...(maxDocuments !== undefined ? { maxDocuments } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
        onStart: (c, i, n) => {
          if (tty) process.stderr.write(`\r\x1b[K[${i + 1}/${n}] ${c.id} ...`);
        },
        onResult: (r, i, n) => {
          if (tty) process.stderr.write(`\r\x1b[K[${i + 1}/${n}] ${formatResult(r).split('\n')[0]}\n`);
        },
      });
      if (tty) process.stderr.write('\n');
      process.stdout.write(`${formatReport(report, !!opts.verbose)}\n`);
      if (opts.junit) writeFileSync(String(opts.junit), junitReport(report));
      if (opts.json) writeFileSync(String(opts.json), `${JSON.stringify(report, null, 2)}\n`);
      if (!report.ok) throw new CommandFailed();
    });
}
