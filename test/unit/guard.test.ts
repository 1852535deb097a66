/** The backstop: a throwing handler is answered 500 and counted; an uncaught exception does not end the process. */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Faults, guardRequests } from '../../src/http/guard.js';
import { createLogger } from '../../src/logger.js';
import { projectPath } from '../../src/paths.js';

describe('backstop', () => {
  test('a handler that throws synchronously: 500 without internals, counted, and the server keeps answering', async () => {
    const lines: string[] = [];
    const faults = new Faults();
    const handler = guardRequests(
      (req, res) => {
        if (req.url === '/boom') throw new TypeError('secret internals at /work/main/src/x.ts');
        res.end('fine');
      },
      createLogger('error', (l) => lines.push(l)),
      faults,
    );
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(text).not.toMatch(/secret|work\/main|TypeError/);
    expect(JSON.parse(text)).toMatchObject({ code: 'internal_error' });
    expect(await (await fetch(`${base}/ok`)).text()).toBe('fine');
    expect(faults.count).toBe(1);
    expect(faults.last?.where).toBe('GET /boom');
    expect(lines.join('')).toMatch(/secret internals/); // the operator sees it in the log
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('process-wide: an uncaught exception and an unhandled rejection are logged and counted; the process lives on', () => {
    const guard = pathToFileURL(projectPath('dist', 'src', 'http', 'guard.js')).href;
    const logger = pathToFileURL(projectPath('dist', 'src', 'logger.js')).href;
    const script = `
      const { Faults, installProcessBackstop } = await import(${JSON.stringify(guard)});
      const { createLogger } = await import(${JSON.stringify(logger)});
      const faults = new Faults();
      installProcessBackstop(createLogger('error'), faults);
      setTimeout(() => { throw new Error('thrown from a timer'); }, 5);
      setTimeout(() => { Promise.reject(new Error('rejected, never handled')); }, 10);
      setTimeout(() => { console.log('alive', faults.count); }, 100);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('alive 2');
    expect(r.stderr).toMatch(/thrown from a timer/);
    expect(r.stderr).toMatch(/rejected, never handled/);
  });
});
