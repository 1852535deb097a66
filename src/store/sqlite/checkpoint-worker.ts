/**
 * WAL checkpoints off the serving thread. With the server's connection set to `wal_autocheckpoint = 0`,
 * the write that crosses the threshold no longer copies the log into the database itself (a stall of
 * tens of milliseconds under steady writes); this thread runs PASSIVE checkpoints, which never block
 * readers or writers, every interval.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy: next time
  }
}, intervalMs);
parentPort!.on('message', (m: string) => {
  if (m === 'stop') {
    clearInterval(timer);
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } finally {
      db.close();
      parentPort!.close();
    }
  }
});
