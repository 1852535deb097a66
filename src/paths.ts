/** Files that ship with ucpd (schemas, demo feed, contexts), located from this module, not the cwd. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'schemas'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ucpd installation above ${start}`);
    dir = parent;
  }
}

/** The directory holding package.json (works from src/ under ts-jest and from dist/src/ when built). */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

export const projectPath = (...parts: string[]): string => path.join(PROJECT_ROOT, ...parts);

/** ucpd's version, from package.json (the CLI's --version, MCP's serverInfo). */
export function ucpdVersion(): string {
  return (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;
}
