/**
 * The business profile at /.well-known/ucp (and the leaf profiles of supported older versions): served
 * like every published document (validators, signature), re-rendered when the signing keys or the
 * payment handlers offered change.
 */
import { readFileSync } from 'node:fs';
import { Router, type Request, type Response } from 'express';
import { projectPath } from '../../paths.js';
import { UCPD_SCHEMA_FILES } from '../constants.js';
import { etagOf, type Rendered, sendRendered } from '../../edge/rendered.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { protocolError } from '../errors.js';
import { profileKeys } from '../profile.js';
import type { UcpRouteDeps } from './router.js';
import { sendProtocolError } from './send.js';

/** The business profile at /.well-known/ucp (and leaf profiles of supported older versions). */
export function ucpProfileRouter(deps: UcpRouteDeps): Router {
  const { ucp, config, signer } = deps;
  const r = Router();
  const storefront = `${config.baseUrl}/`;
  const profiles = new Map<string, { keys: string; rendered: Rendered }>();
  const sendProfile = async (req: Request, res: Response, version?: string) => {
    const doc = await ucp.profile(version);
    if (!doc) {
      sendProtocolError(req, res, protocolError('not_found', `this business has no profile for protocol version ${version}`), storefront, signer);
      return;
    }
    // the profile changes with the signing keys and with the payment handlers offered
    const keys = `${profileKeys(doc)
      .map((k) => k.kid)
      .join(',')} ${Object.keys(doc.ucp.payment_handlers ?? {}).join(',')}`;
    const cacheKey = version ?? '';
    let hit = profiles.get(cacheKey);
    if (!hit || hit.keys !== keys) {
      const body = Buffer.from(canonicalJson(doc));
      hit = {
        keys,
        rendered: {
          status: 200,
          body,
          contentType: 'application/json',
          etag: etagOf(body),
          cacheControl: 'public, max-age=300',
          headers: { Link: `<${config.baseUrl}/.well-known/commerce>; rel="alternate"; type="application/ld+json"` },
        },
      };
      profiles.set(cacheKey, hit);
    }
    sendRendered(req, res, hit.rendered, signer);
  };
  // ucpd's own extensions, documented by the JSON Schemas they follow, served from the store itself
  const schemas = new Map(
    UCPD_SCHEMA_FILES.map((name): [string, Rendered] => {
      const body = readFileSync(projectPath('schemas', 'ucpd', name));
      return [name, { status: 200, body, contentType: 'application/schema+json', etag: etagOf(body), cacheControl: 'public, max-age=86400', headers: {} }];
    }),
  );
  r.get('/schemas/ucpd/:file', (req, res, next) => {
    const hit = schemas.get(String(req.params.file));
    if (!hit) return next();
    sendRendered(req, res, hit, signer);
  });
  r.get('/.well-known/ucp', async (req, res) => sendProfile(req, res));
  r.get('/.well-known/ucp/:version', async (req, res) => sendProfile(req, res, req.params.version));
  return r;
}
