/**
 * Receiving a feed upload: the body goes to a private file (0600 in a fresh 0700 directory) before
 * anything reads it, so an upload, however slow, holds nothing in the store. A body larger than the
 * limit, a client that sends nothing for `idleMs`, or one that goes away ends the upload: the file is
 * removed and nothing is applied. Content-Encoding is refused (a feed is sent as it is).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { UcpdError } from '../errors.js';

/** Bytes read and dropped after a refusal, so a client still sending can read the answer. */
const DRAIN_BYTES = 64 * 1024 * 1024;

export interface Upload {
  file: string;
  bytes: number;
  /** Remove the file and its directory. */
  discard(): Promise<void>;
}

export async function receiveUpload(req: IncomingMessage, o: { dir: string; name: string; limit: number; idleMs: number }): Promise<Upload> {
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') throw new UcpdError('invalid_input', 'unsupported_encoding', `Content-Encoding ${encoding} is not accepted for feeds; send the file as it is`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > o.limit) throw new UcpdError('too_large', 'body_too_large', `feed exceeds the ${o.limit} byte upload limit; nothing was applied`);
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(path.join(o.dir, 'upload-'));
  const file = path.join(dir, o.name);
  const discard = () => rm(dir, { recursive: true, force: true });
  try {
    const bytes = await new Promise<number>((resolve, reject) => {
      const out = createWriteStream(file, { mode: 0o600 });
      let seen = 0;
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        req.unpipe(out);
        out.destroy();
        reject(err);
      };
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          fail(new UcpdError('timeout', 'upload_stalled', `the upload sent nothing for ${Math.round(o.idleMs / 1000)} s; nothing was applied`));
          req.destroy();
        }, o.idleMs);
      };
      armIdle();
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (settled) {
          // refused as too large: the rest is read and dropped so the client gets the 413, up to a point
          if (seen > o.limit + DRAIN_BYTES) req.destroy();
          return;
        }
        armIdle();
        if (seen > o.limit) {
          fail(new UcpdError('too_large', 'body_too_large', `feed exceeds the ${o.limit} byte upload limit; nothing was applied`));
          // read and drop the rest (up to a point) so the client gets the answer, not a reset
          req.unpipe(out);
          req.resume();
        }
      });
      req.on('aborted', () => fail(new UcpdError('invalid_input', 'request_aborted', 'the client aborted the upload; nothing was applied')));
      req.on('close', () => {
        if (!req.complete) fail(new UcpdError('invalid_input', 'request_aborted', 'the client aborted the upload; nothing was applied'));
      });
      req.on('error', (err) => fail(new UcpdError('invalid_input', 'request_aborted', `the upload failed: ${err.message}`)));
      out.on('error', (err) => fail(err));
      out.on('finish', () => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        resolve(seen);
      });
      req.pipe(out);
    });
    return { file, bytes, discard };
  } catch (err) {
    await discard();
    throw err;
  }
}
