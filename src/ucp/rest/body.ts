/**
 * Reading a UCP request body: at most the configured size, identity-encoded, read completely (a body the
 * server will not use is drained before the answer, so a client still sending gets it), then parsed as
 * UTF-8 JSON no deeper than MAX_JSON_DEPTH. Failures are UCP protocol errors.
 */
import type { IncomingMessage } from 'node:http';
import { protocolError } from '../errors.js';
import { MAX_JSON_DEPTH, jsonOverLimits } from '../../util/json-limits.js';

/** A request header as one string (repeated headers joined). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

const DISCARD_BYTES = 64 * 1024 * 1024;
const DISCARD_MS = 10_000;

/**
 * Read and drop the rest of a request body we will not use, so the client can finish sending and read
 * the answer. False (close instead) when the declared size is beyond what is worth reading; a body that
 * turns out larger, or too slow, gets its socket destroyed.
 */
function discardBody(req: IncomingMessage): boolean {
  const declared = Number(header(req, 'content-length') ?? NaN);
  if (declared > DISCARD_BYTES) return false;
  let seen = 0;
  const timer = setTimeout(() => req.socket.destroy(), DISCARD_MS);
  timer.unref();
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DISCARD_BYTES) req.socket.destroy();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
  return true;
}

/**
 * Headers for answering before the request body was read: an unread body cannot be left on a kept-alive
 * connection, and closing at once would reset a client still sending (it would lose the answer). A
 * reasonably sized body is read and dropped (lingering close); only an abusive one gets Connection: close.
 */
export function unreadBody(req: IncomingMessage): Record<string, string> {
  return req.complete || discardBody(req) ? {} : { Connection: 'close' };
}

/** The request body, at most `limit` bytes; protocol errors for oversize, encoded or aborted bodies. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const encoding = header(req, 'content-encoding');
    if (encoding && encoding.toLowerCase() !== 'identity') {
      reject(protocolError('unsupported_media_type', `Content-Encoding ${encoding} is not supported; send the body uncompressed`));
      return;
    }
    const declared = Number(header(req, 'content-length') ?? NaN);
    if (declared > limit) {
      reject(protocolError('payload_too_large', `the request body exceeds ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(protocolError('payload_too_large', `the request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('aborted', () => reject(protocolError('invalid_request', 'the client aborted the request')));
    req.on('error', (err) => reject(protocolError('invalid_request', `the request body could not be read: ${err.message}`)));
  });
}

export function parseJsonBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  if (contentType && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
    throw protocolError('unsupported_media_type', `request bodies are application/json, got ${contentType}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw protocolError('invalid_request', 'the request body is not UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw protocolError('invalid_request', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  const over = jsonOverLimits(value, { maxDepth: MAX_JSON_DEPTH });
  if (over) throw protocolError('invalid_request', `the request body is too complex: ${over}`);
  return value;
}
