/**
 * The house rules, checked on the source tree itself: small files, protocols that do not reach into each
 * other's rooms, no import cycles, one error root.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectPath } from '../../src/paths.js';

const SRC = projectPath('src');

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') || e.name.endsWith('.mjs') ? [full] : [];
  });
}

const files = sources();
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
const rel = (f: string) => path.relative(SRC, f);

/** Relative imports and re-exports of a module (type-only ones too), resolved to source files. */
function importsOf(file: string): string[] {
  const out: string[] = [];
  for (const m of text.get(file)!.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)) {
    out.push(path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  }
  return out;
}

describe('the house', () => {
  test('the tree is read', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.every((f) => importsOf(f).every((i) => text.has(i)))).toBe(true);
  });

  test('no source file is over 400 lines, tests and benchmarks included', () => {
    const all = [...files, ...['test', 'bench', 'scripts'].flatMap((d) => sources(projectPath(d)))];
    const long = all.map((f) => [path.relative(projectPath(), f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });

  test('ucp/ does not import linked-data/ (what both must agree on lives in publish/)', () => {
    const offending = files.filter((f) => rel(f).startsWith(`ucp${path.sep}`)).filter((f) => importsOf(f).some((i) => rel(i).startsWith(`linked-data${path.sep}`)));
    expect(offending.map(rel)).toEqual([]);
  });

  test('the offer engine (publish/) imports no protocol and no HTTP code', () => {
    const protocols = ['ucp', 'linked-data', 'http', 'trust', 'check', 'cli'].map((d) => `${d}${path.sep}`);
    const offending = files
      .filter((f) => rel(f).startsWith(`publish${path.sep}`))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => protocols.some((p) => rel(i).startsWith(p)))
          .map((i) => `${rel(f)} -> ${rel(i)}`),
      );
    expect(offending).toEqual([]);
  });

  test('protocol edges share edge/, never the HTTP assembly (http/ sits on top of them)', () => {
    const edges = ['linked-data', 'ucp', 'trust', 'publish', 'edge'].map((d) => `${d}${path.sep}`);
    const offending = files
      .filter((f) => edges.some((e) => rel(f).startsWith(e)))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => rel(i).startsWith(`http${path.sep}`))
          .map((i) => `${rel(f)} -> ${rel(i)}`),
      );
    expect(offending).toEqual([]);
  });

  test('no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const i of importsOf(f)) {
        if (state.get(i) === 'open') cycles.push([...stack.slice(stack.indexOf(i)), i].map(rel).join(' -> '));
        else if (!state.has(i)) visit(i);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  test('every error class descends from the one root (UcpdError), so every protocol can map it', () => {
    const roots = files.flatMap((f) => [...text.get(f)!.matchAll(/class (\w+) extends (Error|TypeError|RangeError)\b/g)].map((m) => `${rel(f)}: ${m[1]}`));
    expect(roots).toEqual([`errors.ts: UcpdError`]);
  });
});
