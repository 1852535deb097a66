/** Import progress on stderr: a redrawn bar on a TTY, a plain line every few seconds otherwise. */
import type { ImportProgress } from '../feed/pipeline.js';

export function progressReporter(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 5000): { update: (p: ImportProgress) => void; done: () => void } {
  const started = Date.now();
  let lastPlain = started;
  let drawn = false;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const describe = (p: ImportProgress) => {
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = Math.round(p.records / secs).toLocaleString('en-US');
    const size = p.totalBytes ? `${mb(p.bytes)}/${mb(p.totalBytes)} MB` : `${mb(p.bytes)} MB`;
    return `${p.records.toLocaleString('en-US')} records, ${size}, ${rate} records/s`;
  };
  return {
    update(p) {
      if (stream.isTTY) {
        const width = 30;
        const frac = p.totalBytes ? Math.min(1, p.bytes / p.totalBytes) : 0;
        const bar = p.totalBytes ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${(frac * 100).toFixed(0).padStart(3)}% ` : '';
        stream.write(`\r${bar}${describe(p)}\x1b[K`);
        drawn = true;
      } else if (Date.now() - lastPlain >= plainEveryMs) {
        lastPlain = Date.now();
        stream.write(`progress: ${describe(p)}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
