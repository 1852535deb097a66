/** Worker thread for a full rebuild of the search index: its own connection, so readers are never blocked. */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db.js';
import { SearchIndex } from './search.js';

const { file } = workerData as { file: string };
try {
  const db = openDatabase({ file });
  const result = new SearchIndex(db).sync();
  db.close();
  parentPort!.postMessage({ ok: true, result });
} catch (err) {
  parentPort!.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
}
