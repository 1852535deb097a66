/**
 * JSON-LD contexts ucpd publishes and resolves, from files shipped in well-known/, and an offline
 * document loader that knows only those: anything else fails closed (no network, ever).
 */
import { readFileSync } from 'node:fs';
import { UcpdError } from '../errors.js';
import { projectPath } from '../paths.js';

export const SCHEMA_ORG = 'https://schema.org';

/** schema.org's context answers to several URLs in the wild. */
export const SCHEMA_ORG_URLS = [
  'https://schema.org',
  'https://schema.org/',
  'http://schema.org',
  'http://schema.org/',
  'https://schema.org/docs/jsonldcontext.jsonld',
  'https://schema.org/docs/jsonldcontext.json',
];

export interface ContextFiles {
  /** Raw bytes as served. */
  schemaOrg: Buffer;
  ucpd: Buffer;
  schemaOrgLicense: Buffer;
  notice: Buffer;
}

let files: ContextFiles | undefined;

export function contextFiles(): ContextFiles {
  files ??= {
    schemaOrg: readFileSync(projectPath('well-known', 'schemaorg-30.0-context.jsonld')),
    ucpd: readFileSync(projectPath('well-known', 'ucpd-context-v1.jsonld')),
    schemaOrgLicense: readFileSync(projectPath('well-known', 'LICENSE-schemaorg')),
    notice: readFileSync(projectPath('well-known', 'NOTICE')),
  };
  return files;
}

export interface RemoteDocument {
  contextUrl?: string;
  documentUrl: string;
  document: unknown;
}

export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

export class UnknownDocumentError extends UcpdError {
  constructor(readonly url: string) {
    super('invalid_input', 'unknown_document', `document loader: ${url} is not available offline (fail closed)`, { url });
  }
}

/**
 * A loader that answers from a fixed set of documents. `ucpdContextUrl` is where this store serves its
 * own context (it depends on the public base URL; undefined: schema.org only, as for another endpoint).
 * More documents (credential contexts, DID documents) are added by the trust layer.
 */
export function offlineLoader(ucpdContextUrl: string | undefined, extra: Record<string, unknown> = {}): DocumentLoader {
  const f = contextFiles();
  const docs = new Map<string, unknown>();
  const schema = JSON.parse(f.schemaOrg.toString('utf8')) as unknown;
  for (const url of SCHEMA_ORG_URLS) docs.set(url, schema);
  if (ucpdContextUrl) docs.set(ucpdContextUrl, JSON.parse(f.ucpd.toString('utf8')));
  for (const [url, doc] of Object.entries(extra)) docs.set(url, doc);
  return async (url: string) => {
    const document = docs.get(url);
    if (document === undefined) throw new UnknownDocumentError(url);
    return { documentUrl: url, document };
  };
}
