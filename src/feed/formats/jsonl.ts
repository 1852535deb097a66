/** ucpd's native feed: JSON Lines, one record per line (schemas/ucpd-feed-v1.schema.json). */
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FeedRecord, FeedSource, SourceItem } from '../records.js';
import { ByteCounter, lines } from './lines.js';

export function jsonlSource(stream: Readable | AsyncIterable<Buffer | string>, description: string, totalBytes?: number): FeedSource {
  const counter = new ByteCounter();
  const file = description;
  return {
    format: 'jsonl',
    description,
    ...(totalBytes !== undefined ? { totalBytes } : {}),
    bytesRead: () => counter.bytes,
    async *records(): AsyncGenerator<SourceItem> {
      for await (const line of lines(stream, counter)) {
        if (line.text.trim() === '') continue;
        const ref = { file, line: line.number };
        let value: unknown;
        try {
          value = JSON.parse(line.text);
        } catch (err) {
          const hint = line.terminated ? '' : ' (last line has no newline: the file may be truncated)';
          yield { ref, error: `not valid JSON${hint}: ${(err as Error).message}` };
          continue;
        }
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          yield { ref, error: 'each line must be a JSON object' };
          continue;
        }
        yield { ref, record: value as FeedRecord };
      }
    },
  };
}

export function jsonlFile(file: string): FeedSource {
  return jsonlSource(createReadStream(file, { highWaterMark: 1 << 20 }), path.basename(file), statSync(file).size);
}
