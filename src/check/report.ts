/** The report as a person reads it (text), as CI reads it (JUnit XML), and as a program reads it (JSON). */
import type { CheckDefinition, CheckResult, Report, Status } from './model.js';

const MARK: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

export function formatResult(r: CheckResult, verbose = false): string {
  const lines = [`${MARK[r.status]}  ${r.id.padEnd(32)} ${r.message}`];
  if (r.status !== 'pass' || verbose) {
    for (const e of r.evidence) {
      const parts = [e.url && `at: ${e.url}`, e.expected && `expected: ${e.expected}`, e.got && `got: ${e.got}`, e.detail && e.detail].filter(Boolean);
      if (parts.length) lines.push(`        ${parts.join('\n          ')}`);
    }
    if (r.status === 'fail' || r.status === 'warn') lines.push(`        spec: ${r.spec}`);
  }
  return lines.join('\n');
}

export function formatReport(report: Report, verbose = false): string {
  const s = report.summary;
  const lines = [`ucpd check ${report.base}`, ''];
  let group = '';
  for (const r of report.results) {
    if (r.group !== group) {
      group = r.group;
      lines.push(`${group}`);
    }
    lines.push(formatResult(r, verbose));
  }
  lines.push('');
  lines.push(`${s.pass} passed, ${s.fail} failed, ${s.warn} warnings, ${s.skip} skipped in ${(report.durationMs / 1000).toFixed(1)} s (${report.requests} requests)`);
  lines.push(report.ok ? 'result: OK (no required check failed)' : 'result: FAILED (a required check failed)');
  return lines.join('\n');
}

const xml = (s: string) =>
  s
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 cannot carry these control characters, so they are stripped from JUnit text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** JUnit XML: one testsuite per group; fail -> <failure>, skip -> <skipped>, warn -> passes with <system-out>. */
export function junitReport(report: Report): string {
  const groups = [...new Set(report.results.map((r) => r.group))];
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ucpd check ${xml(report.base)}" tests="${report.results.length}" failures="${report.summary.fail}" skipped="${report.summary.skip}" time="${(report.durationMs / 1000).toFixed(3)}">`,
  ];
  for (const g of groups) {
    const rs = report.results.filter((r) => r.group === g);
    out.push(
      `  <testsuite name="${g}" tests="${rs.length}" failures="${rs.filter((r) => r.status === 'fail').length}" skipped="${rs.filter((r) => r.status === 'skip').length}" time="${(rs.reduce((t, r) => t + r.ms, 0) / 1000).toFixed(3)}" timestamp="${report.startedAt}">`,
    );
    for (const r of rs) {
      const evidence = r.evidence.map((e) => [e.url && `at: ${e.url}`, e.expected && `expected: ${e.expected}`, e.got && `got: ${e.got}`, e.detail].filter(Boolean).join('\n')).join('\n\n');
      out.push(`    <testcase classname="ucpd.check.${g}" name="${xml(r.id)}" time="${(r.ms / 1000).toFixed(3)}">`);
      if (r.status === 'fail') out.push(`      <failure message="${xml(r.message)}" type="${r.severity}">${xml(`${evidence}\nspec: ${r.spec}`)}</failure>`);
      if (r.status === 'skip') out.push(`      <skipped message="${xml(r.message)}"/>`);
      if (r.status === 'warn' || r.status === 'pass') out.push(`      <system-out>${xml(`${r.status}: ${r.message}${evidence ? `\n${evidence}` : ''}`)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** The check catalog as a Markdown table (README). */
export function checkTable(checks: readonly CheckDefinition<unknown>[]): string {
  const rows = ['| id | severity | what it verifies | reference |', '|---|---|---|---|'];
  for (const c of checks) rows.push(`| \`${c.id}\` | ${c.severity} | ${c.title.replace(/\|/g, '\\|')} | ${c.spec.replace(/\|/g, '\\|')} |`);
  return rows.join('\n');
}
