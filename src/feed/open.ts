/** Pick the reader for a path: a directory is the UCP CSV layout; a file is sniffed by extension, then content. */
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { invalidInput } from '../errors.js';
import { gmcFile, gmcSource } from './formats/gmc.js';
import { jsonlFile, jsonlSource } from './formats/jsonl.js';
import { ucpCsvSource } from './formats/ucp-csv.js';
import type { FeedSource } from './records.js';

export const FORMATS = ['jsonl', 'ucp-csv', 'gmc'] as const;
export type FeedFormat = (typeof FORMATS)[number];

export interface OpenOptions {
  format?: FeedFormat;
  /** Currency for formats whose amounts carry none (the UCP CSV layout). */
  currency: string;
}

function sniff(file: string): FeedFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.tsv') return 'gmc';
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const head = buf
      .subarray(0, readSync(fd, buf, 0, buf.length, 0))
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    if (head.trimStart().startsWith('{')) return 'jsonl';
    const firstLine = head.split('\n')[0] ?? '';
    if (firstLine.includes('\t') && /(^|\t)(g:)?id(\t|$)/i.test(firstLine)) return 'gmc';
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export function openFeed(target: string, options: OpenOptions): FeedSource {
  const source = open(target, options);
  return { ...source, spec: { target, format: source.format as FeedFormat, currency: options.currency } };
}

function open(target: string, options: OpenOptions): FeedSource {
  let stat: Stats;
  try {
    stat = statSync(target);
  } catch {
    throw invalidInput('feed_not_found', `no such file or directory: ${target}`);
  }
  if (stat.isDirectory()) {
    if (options.format && options.format !== 'ucp-csv') throw invalidInput('feed_format', `${target} is a directory; only the ucp-csv format is a directory`);
    return ucpCsvSource(target, options.currency);
  }
  const format = options.format ?? sniff(target);
  switch (format) {
    case 'jsonl':
      return jsonlFile(target);
    case 'gmc':
      return gmcFile(target);
    case 'ucp-csv':
      throw invalidInput('feed_format', 'the ucp-csv format is a directory of CSV files; give the directory');
    default:
      throw invalidInput('feed_format', `cannot tell the format of ${target}; pass --format ${FORMATS.join('|')}`);
  }
}

/** A feed arriving as a stream (stdin, an HTTP upload): the format must be stated. */
export function streamFeed(stream: NodeJS.ReadableStream & AsyncIterable<Buffer>, format: FeedFormat, name: string): FeedSource {
  if (format === 'jsonl') return jsonlSource(stream, name);
  if (format === 'gmc') return gmcSource(stream as never, name);
  throw invalidInput('feed_format', 'the ucp-csv format is a directory of files and cannot be streamed');
}
