/** Human-readable import report. */
import type { ImportReport } from '../feed/pipeline.js';

export function formatReport(r: ImportReport): string {
  const verb = r.status === 'applied' ? 'applied' : r.status === 'dry_run' ? 'dry run (nothing written)' : 'FAILED, nothing was changed';
  const locked = r.writeLockMs !== undefined ? `, store write lock held ${(r.writeLockMs / 1000).toFixed(2)} s` : '';
  const lines = [`import ${verb}: ${r.source} (${r.format}, ${r.mode}) in ${(r.durationMs / 1000).toFixed(2)} s${locked}`, `  records          ${r.records}`];
  for (const [name, c] of Object.entries(r.counts)) {
    lines.push(`  ${name.padEnd(16)} ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.deleted} deleted`);
  }
  if (r.errorCount) {
    lines.push(`errors (${r.errorCount}${r.errorCount > r.errors.length ? `, first ${r.errors.length} shown` : ''}):`);
    for (const e of r.errors) lines.push(`  ${e.file}:${e.line}${e.field ? ` ${e.field}` : ''}: ${e.message}`);
  }
  if (r.warnings.length) {
    lines.push(`warnings (${r.warnings.length}):`);
    for (const w of r.warnings) lines.push(`  ${w.file}:${w.line}: ${w.message}`);
  }
  return lines.join('\n');
}
