/**
 * Worker thread for big imports: reads and prepares the feed (parse, validate, map, serialise) and posts
 * batches to the database thread, at most MAX_IN_FLIGHT ahead of what it has applied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openFeed, type FeedFormat } from './open.js';
import { FeedPreparer, type PreparedItem } from './prepare.js';

export interface WorkerInput {
  target: string;
  format?: FeedFormat;
  feedCurrency: string;
  storeCurrency: string;
  batchSize: number;
}

export type WorkerMessage =
  | { kind: 'batch'; items: PreparedItem[]; records: number; bytes: number; totalBytes?: number }
  | { kind: 'end'; items: PreparedItem[]; records: number; bytes: number }
  | { kind: 'fatal'; message: string };

const MAX_IN_FLIGHT = 4;

async function run(): Promise<void> {
  const port = parentPort!;
  const input = workerData as WorkerInput;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  port.on('message', (m: string) => {
    if (m === 'credit') {
      inFlight--;
      wake?.();
    }
  });
  const source = openFeed(input.target, { ...(input.format ? { format: input.format } : {}), currency: input.feedCurrency });
  const preparer = new FeedPreparer(input.storeCurrency);
  let batch: PreparedItem[] = [];
  const post = async () => {
    const msg: WorkerMessage = { kind: 'batch', items: batch, records: preparer.recordCount, bytes: source.bytesRead(), ...(source.totalBytes !== undefined ? { totalBytes: source.totalBytes } : {}) };
    port.postMessage(msg);
    batch = [];
    inFlight++;
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve));
  };
  for await (const item of source.records()) {
    const prepared = preparer.prepare(item);
    if (prepared) batch.push(prepared);
    if (batch.length >= input.batchSize) await post();
  }
  const end: WorkerMessage = { kind: 'end', items: [...batch, ...preparer.finish()], records: preparer.recordCount, bytes: source.bytesRead() };
  port.postMessage(end);
  port.close();
}

run().catch((err: unknown) => {
  parentPort!.postMessage({ kind: 'fatal', message: err instanceof Error ? err.message : String(err) } satisfies WorkerMessage);
});
