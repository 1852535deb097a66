/**
 * A credential checked against the W3C Verifiable Credentials Data Model 2.0 before it is signed, pure:
 * every rule the issuer is responsible for, each problem naming the field (`credential.validUntil`,
 * `credential.evidence[1].type`...). The issuer signs exactly what passes, so nothing it would not carry
 * is ever dropped: it is refused instead. JSON-LD rules (undefined terms, protected term redefinition,
 * contexts that do not resolve offline) are the signer's safe mode, named by signingProblem below.
 */
import { isObject } from '../util/is-object.js';

type Json = Record<string, unknown>;

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';

export interface Problem {
  field: string;
  message: string;
}

/** An absolute URL (any scheme: https, did, urn...), one value, no whitespace. */
export function isUrl(x: unknown): x is string {
  if (typeof x !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(x)) return false;
  try {
    new URL(x);
    return true;
  } catch {
    return false;
  }
}

/** XML Schema dateTimeStamp: a date-time with its time zone (VC DM 2.0 §4.9). */
const DATE_TIME_STAMP =
  /^-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;
export function isDateTimeStamp(x: unknown): x is string {
  return typeof x === 'string' && DATE_TIME_STAMP.test(x) && !Number.isNaN(Date.parse(x));
}

/** One value or a list of them, as JSON-LD allows. */
const many = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x]);

/** `name` / `description`: a string, a language value object, or a list of them (VC DM 2.0 §4.6). */
function languageValueProblems(field: string, x: unknown): Problem[] {
  const list = many(x);
  if (Array.isArray(x) && list.length === 0) return [{ field, message: 'must not be an empty list' }];
  for (const [i, v] of list.entries()) {
    const at = Array.isArray(x) ? `${field}[${i}]` : field;
    if (typeof v === 'string') continue;
    if (!isObject(v) || typeof v['@value'] !== 'string') return [{ field: at, message: 'must be a string or a language value object {"@value", "@language"?, "@direction"?}' }];
    const extra = Object.keys(v).filter((k) => !['@value', '@language', '@direction'].includes(k));
    if (extra.length) return [{ field: `${at}.${extra[0]}`, message: 'a language value object holds only @value, @language and @direction' }];
    if (v['@language'] !== undefined && (typeof v['@language'] !== 'string' || !/^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$/.test(v['@language'])))
      return [{ field: `${at}.@language`, message: 'must be a BCP 47 language tag' }];
    if (v['@direction'] !== undefined && v['@direction'] !== 'ltr' && v['@direction'] !== 'rtl') return [{ field: `${at}.@direction`, message: 'must be "ltr" or "rtl"' }];
  }
  return [];
}

/** `type`: a string or a non-empty list of strings. */
function typeProblems(field: string, x: unknown, required: boolean): Problem[] {
  if (x === undefined) return required ? [{ field, message: 'is required' }] : [];
  const list = many(x);
  if (list.length === 0) return [{ field, message: 'must name at least one type' }];
  const bad = list.findIndex((t) => typeof t !== 'string' || t.trim() === '');
  if (bad >= 0) return [{ field: Array.isArray(x) ? `${field}[${bad}]` : field, message: 'each type must be a non-empty string' }];
  return [];
}

/**
 * A property whose values are typed objects (credentialStatus, credentialSchema, evidence, termsOfUse,
 * refreshService, relatedResource): an object or a non-empty list of objects, each with a `type` (and an
 * `id` where the property needs one), every `id` a URL.
 */
function typedObjectProblems(field: string, x: unknown, o: { type: boolean; id: boolean; check?: (v: Json, at: string) => Problem[] }): Problem[] {
  const list = many(x);
  if (Array.isArray(x) && list.length === 0) return [{ field, message: 'must not be an empty list' }];
  const out: Problem[] = [];
  for (const [i, v] of list.entries()) {
    const at = Array.isArray(x) ? `${field}[${i}]` : field;
    if (!isObject(v)) return [{ field: at, message: 'must be an object' }];
    if (o.id ? !isUrl(v.id) : v.id !== undefined && !isUrl(v.id)) return [{ field: `${at}.id`, message: o.id ? 'is required, and must be a URL' : 'must be a URL' }];
    if (o.type || v.type !== undefined) out.push(...typeProblems(`${at}.type`, v.type, o.type));
    if (out.length) return out;
    if (o.check) out.push(...o.check(v, at));
    if (out.length) return out;
  }
  return out;
}

const SRI = /^(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}$/;

function relatedResourceProblems(x: unknown): Problem[] {
  const seen = new Set<string>();
  return typedObjectProblems('credential.relatedResource', x, {
    type: false,
    id: true,
    check: (v, at) => {
      if (seen.has(String(v.id))) return [{ field: `${at}.id`, message: 'each related resource is listed once' }];
      seen.add(String(v.id));
      if (v.digestSRI === undefined && v.digestMultibase === undefined) return [{ field: at, message: 'needs digestSRI or digestMultibase' }];
      if (v.digestSRI !== undefined && (typeof v.digestSRI !== 'string' || !SRI.test(v.digestSRI)))
        return [{ field: `${at}.digestSRI`, message: 'must be a subresource integrity value (sha256-, sha384- or sha512-, base64)' }];
      if (v.digestMultibase !== undefined && (typeof v.digestMultibase !== 'string' || !/^[uz][A-Za-z0-9_-]+$/.test(v.digestMultibase)))
        return [{ field: `${at}.digestMultibase`, message: 'must be a multibase value (base64url "u" or base58btc "z")' }];
      if (v.mediaType !== undefined && typeof v.mediaType !== 'string') return [{ field: `${at}.mediaType`, message: 'must be a string' }];
      return [];
    },
  });
}

/** The id of an issuer (a URL string, or an object with an `id` URL), or undefined. */
export function issuerId(issuer: unknown): string | undefined {
  if (isUrl(issuer)) return issuer;
  return isObject(issuer) && isUrl(issuer.id) ? issuer.id : undefined;
}

/**
 * The problems of a credential submitted for issuance by `issuer` (this service's DID), first ones first.
 * Empty: it conforms, and may be signed as it is.
 */
export function credentialProblems(c: unknown, o: { issuer: string }): Problem[] {
  if (!isObject(c)) return [{ field: 'credential', message: 'must be a JSON object' }];
  const ctx = c['@context'];
  if (!Array.isArray(ctx) || ctx.length === 0) return [{ field: 'credential.@context', message: `is required: a list whose first item is ${VC_V2_CONTEXT}` }];
  if (ctx[0] !== VC_V2_CONTEXT)
    return [{ field: 'credential.@context[0]', message: `must be ${VC_V2_CONTEXT}${ctx[0] === 'https://www.w3.org/2018/credentials/v1' ? ' (VC 1.1 credentials are verified, not issued)' : ''}` }];
  for (const [i, x] of ctx.entries()) if (i > 0 && !isUrl(x) && !isObject(x)) return [{ field: `credential.@context[${i}]`, message: 'must be a URL or a context object' }];
  if (c.id !== undefined && !isUrl(c.id)) return [{ field: 'credential.id', message: 'must be a single URL' }];
  const types = typeProblems('credential.type', c.type, true);
  if (types.length) return types;
  if (!many(c.type).includes('VerifiableCredential')) return [{ field: 'credential.type', message: 'must include VerifiableCredential' }];
  if (c.issuer === undefined) return [{ field: 'credential.issuer', message: `is required: ${o.issuer} (a URL, or an object with that id)` }];
  const issuer = issuerId(c.issuer);
  if (issuer === undefined) return [{ field: 'credential.issuer', message: 'must be a URL, or an object whose id is a URL' }];
  if (issuer !== o.issuer) return [{ field: 'credential.issuer', message: `must be ${o.issuer}: this service issues only as itself` }];
  if (isObject(c.issuer)) {
    for (const k of ['name', 'description'] as const)
      if (c.issuer[k] !== undefined) {
        const p = languageValueProblems(`credential.issuer.${k}`, c.issuer[k]);
        if (p.length) return p;
      }
  }
  for (const k of ['name', 'description'] as const)
    if (c[k] !== undefined) {
      const p = languageValueProblems(`credential.${k}`, c[k]);
      if (p.length) return p;
    }
  for (const k of ['validFrom', 'validUntil'] as const)
    if (c[k] !== undefined && !isDateTimeStamp(c[k])) return [{ field: `credential.${k}`, message: 'must be a date-time with its time zone (XML Schema dateTimeStamp), e.g. 2026-12-02T10:00:00Z' }];
  if (typeof c.validFrom === 'string' && typeof c.validUntil === 'string' && Date.parse(c.validUntil) < Date.parse(c.validFrom))
    return [{ field: 'credential.validUntil', message: 'must not be before validFrom' }];
  const subjects = many(c.credentialSubject);
  if (c.credentialSubject === undefined || subjects.length === 0) return [{ field: 'credential.credentialSubject', message: 'is required: an object, or a list of objects' }];
  for (const [i, s] of subjects.entries()) {
    const at = Array.isArray(c.credentialSubject) ? `credential.credentialSubject[${i}]` : 'credential.credentialSubject';
    if (!isObject(s)) return [{ field: at, message: 'must be an object' }];
    if (Object.keys(s).filter((k) => k !== 'id').length === 0) return [{ field: at, message: 'must make at least one claim' }];
    if (s.id !== undefined && !isUrl(s.id)) return [{ field: `${at}.id`, message: 'must be a single URL' }];
  }
  const typed: [string, { type: boolean; id: boolean }][] = [
    ['credentialStatus', { type: true, id: false }],
    ['credentialSchema', { type: true, id: true }],
    ['evidence', { type: true, id: false }],
    ['termsOfUse', { type: true, id: false }],
    ['refreshService', { type: true, id: false }],
  ];
  for (const [k, rule] of typed)
    if (c[k] !== undefined) {
      const p = typedObjectProblems(`credential.${k}`, c[k], rule);
      if (p.length) return p;
    }
  if (c.relatedResource !== undefined) {
    const p = relatedResourceProblems(c.relatedResource);
    if (p.length) return p;
  }
  if (c.proof !== undefined) {
    const p = typedObjectProblems('credential.proof', c.proof, { type: true, id: false });
    if (p.length) return p;
  }
  return [];
}

/** Where `term` first appears in `x`: as a key, or as a type or id value. */
function pathOf(x: unknown, term: string, at: string): string | undefined {
  if (Array.isArray(x)) {
    for (const [i, v] of x.entries()) {
      if (v === term) return `${at}[${i}]`;
      const p = pathOf(v, term, `${at}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (!isObject(x)) return undefined;
  for (const [k, v] of Object.entries(x)) {
    if (k === '@context') continue;
    if (k === term) return `${at}.${k}`;
    if ((k === 'type' || k === 'id') && v === term) return `${at}.${k}`;
    const p = pathOf(v, term, `${at}.${k}`);
    if (p) return p;
  }
  return undefined;
}

/**
 * What the signer's JSON-LD safe mode refused, as a problem naming the field: an undefined term, a type
 * or id that does not map to a URL, a protected term redefined, or a context that is not available
 * offline (ucpd never fetches one).
 */
export function signingProblem(err: unknown, c: Json): Problem {
  const e = err as { message?: string; details?: { url?: unknown; term?: unknown; event?: { code?: string; details?: Record<string, unknown> } } } | undefined;
  const d = e?.details ?? {};
  const ctx = Array.isArray(c['@context']) ? (c['@context'] as unknown[]) : [];
  const message = String(e?.message ?? '');
  const url = typeof d.url === 'string' ? d.url : (/URL: "([^"]+)"/.exec(message)?.[1] ?? /(https?:\/\/[^\s"']+)/.exec(message)?.[1]);
  if (/loading remote context failed|Dereferencing a URL|not available offline|unknown_document/i.test(message) && url) {
    const i = ctx.indexOf(url);
    return { field: i >= 0 ? `credential.@context[${i}]` : 'credential.@context', message: `${url} is not a context this service has (contexts are never fetched)` };
  }
  const ev = d.event?.details ?? {};
  const term = [ev.property, ev.type, ev.id, d.term].find((x): x is string => typeof x === 'string');
  const what = d.event?.code ?? String(e?.message ?? 'invalid JSON-LD');
  if (term) return { field: pathOf(c, term, 'credential') ?? 'credential', message: `${what}: "${term}" (every term must be defined by a context; types and ids must be URLs)` };
  return { field: 'credential', message: `cannot sign this credential: ${String(e?.message ?? err)}` };
}
