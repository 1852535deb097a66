/**
 * CSV / TSV rows with their line numbers (csv-parse: streaming, RFC 4180 quoting). A row whose field count
 * differs from the header is reported as an error on its line (a truncated last row, a stray delimiter);
 * a quoting error ends the file with an error on the line where it happened.
 */
import { UcpdError } from '../../errors.js';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { FeedRecord, SourceItem } from '../records.js';
import type { ByteCounter } from './lines.js';

export interface Row {
  line: number;
  fields: Record<string, string>;
}

export type RowItem = { row: Row } | { line: number; error: string };

export interface DelimitedOptions {
  delimiter: ',' | '\t';
  /** Header names are normalised with this (e.g. strip a "g:" prefix, lower-case). */
  normalizeHeader?: (name: string) => string;
}

/** Rows of a file (a path) or of a byte stream. */
export async function* readRows(input: string | Readable, options: DelimitedOptions, counter: ByteCounter): AsyncGenerator<RowItem> {
  const stream = typeof input === 'string' ? createReadStream(input, { highWaterMark: 1 << 20 }) : input;
  stream.on('data', (chunk: Buffer | string) => (counter.bytes += chunk.length));
  const parser = stream.pipe(
    parse({
      delimiter: options.delimiter,
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // Quotes inside unquoted fields are data (the UCP fixtures write ["a","b"] unquoted), as in Python's csv.
      ...(options.delimiter === '\t' ? { quote: false } : { relax_quotes: true }),
    }),
  );
  let header: string[] | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = info.lines;
      if (!header) {
        header = record.map((h) => (options.normalizeHeader ? options.normalizeHeader(h.trim()) : h.trim()));
        continue;
      }
      if (record.length !== header.length) {
        yield { line, error: `has ${record.length} fields but the header has ${header.length}${record.length < header.length ? ' (truncated row?)' : ''}` };
        continue;
      }
      const fields: Record<string, string> = {};
      for (const [i, name] of header.entries()) fields[name] = record[i]!.trim();
      yield { row: { line, fields } };
    }
  } catch (err) {
    const e = err as Error & { lines?: number };
    yield { line: e.lines ?? 0, error: `cannot be parsed: ${e.message}` };
  } finally {
    stream.destroy();
  }
}

/** Header names missing from a row set, reported once per file. */
export function missingColumns(fields: Record<string, string>, required: readonly string[]): string[] {
  return required.filter((c) => !(c in fields));
}

export class FieldError extends UcpdError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('invalid_input', 'invalid_field', message, { field });
  }
}

/** Typed field access that throws a FieldError naming the column. */
export class Fields {
  constructor(private readonly f: Record<string, string>) {}

  has(name: string): boolean {
    return (this.f[name] ?? '') !== '';
  }
  str(name: string): string {
    const v = this.f[name] ?? '';
    if (v === '') throw new FieldError(name, 'is required');
    return v;
  }
  opt(name: string): string | undefined {
    const v = this.f[name] ?? '';
    return v === '' ? undefined : v;
  }
  int(name: string, { min = 0 }: { min?: number } = {}): number {
    const v = this.str(name);
    if (!/^-?\d+$/.test(v)) throw new FieldError(name, `"${v}" is not a whole number`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new FieldError(name, `${v} must be at least ${min}`);
    return n;
  }
  optInt(name: string): number | undefined {
    return this.has(name) ? this.int(name) : undefined;
  }
  /** true/false, yes/no, 1/0 (any case). */
  bool(name: string): boolean {
    const v = this.str(name).toLowerCase();
    if (['true', 'yes', '1', 'y'].includes(v)) return true;
    if (['false', 'no', '0', 'n'].includes(v)) return false;
    throw new FieldError(name, `"${v}" is not true or false`);
  }
  /** A list separated by commas, semicolons or "|" (blank items dropped). */
  list(name: string): string[] {
    return this.str(name)
      .split(/[,;|]/)
      .map((x) => x.trim())
      .filter(Boolean);
  }
}

/** Run a row mapper and turn a FieldError into a source error item on the row's line. */
export function mapRow(file: string, row: Row, map: (f: Fields) => FeedRecord): SourceItem {
  const ref = { file, line: row.line };
  try {
    return { ref, record: map(new Fields(row.fields)) };
  } catch (err) {
    if (err instanceof FieldError) return { ref, error: err.message, field: err.field };
    throw err;
  }
}
