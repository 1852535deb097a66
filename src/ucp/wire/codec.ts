/**
 * One wire codec per protocol version. The services speak ucpd's model: 2026-04-08's resource shapes,
 * plus what later versions added that the domain knows (policies, stated buyer consent). A codec turns a
 * request body of its version into the model, and the model into a response body of its version. The
 * operation table (operations.ts) applies it at the one place every transport passes through.
 */
import { PREVIOUS_VERSION, versionSpec } from '../versions.js';
import { v20260408 } from './v2026-04-08.js';
import { v20260825 } from './v2026-08-25.js';

export type { Json, Resource, WireCodec } from './types.js';
import type { WireCodec } from './types.js';

const CODECS: Record<string, WireCodec> = { '2026-04-08': v20260408, '2026-08-25': v20260825 };

/** The codec of a version ucpd implements. */
export function codecFor(version: string): WireCodec {
  return CODECS[versionSpec(version).version] ?? CODECS[PREVIOUS_VERSION]!;
}
