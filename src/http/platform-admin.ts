/**
 * The registry of pre-approved UCP platforms through the admin API (scope `admin`):
 * GET /admin/v1/platforms, PUT /admin/v1/platforms {profile_url, profile}, DELETE /admin/v1/platforms?profile_url=.
 * Pinned profiles are validated against the official profile schema and stored in <data>/platforms.
 */
import { Router } from 'express';
import { jsonBody } from '../edge/json-body.js';
import { invalidInput, notFound } from '../errors.js';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { UcpProtocolError } from '../ucp/errors.js';
import type { PlatformRegistry } from '../ucp/platforms.js';
import { profileKeys } from '../ucp/profile.js';
import { requireScope } from '../edge/require-scope.js';

export function platformAdminRouter(deps: { store: Store; config: Config; registry: PlatformRegistry }): Router {
  const { store, config, registry } = deps;
  const r = Router();
  r.use(requireScope(store, 'admin'));
  const summary = (p: { profileUrl: string; profile: unknown }) => {
    const ucp = (p.profile as { ucp: { version: string; capabilities?: Record<string, unknown> } }).ucp;
    return {
      profile_url: p.profileUrl,
      version: ucp.version,
      capabilities: Object.keys(ucp.capabilities ?? {}).sort(),
      signing_keys: profileKeys(p.profile).map((k) => k.kid),
    };
  };
  r.get('/', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ platforms: registry.list().map(summary) });
  });
  r.put('/', jsonBody({ limit: config.jsonLimit }), (req, res) => {
    const body = req.body as { profile_url?: unknown; profile?: unknown } | undefined;
    if (!body || typeof body !== 'object' || typeof body.profile_url !== 'string' || body.profile === undefined) {
      throw invalidInput('invalid_body', 'body must be {"profile_url": "https://...", "profile": {...the platform profile document...}}');
    }
    try {
      const entry = registry.put(body.profile_url, body.profile);
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).json(summary(entry));
    } catch (err) {
      if (err instanceof UcpProtocolError) throw invalidInput('invalid_platform', err.message, err.extra.path ? { field: err.extra.path } : undefined);
      throw err;
    }
  });
  r.delete('/', (req, res) => {
    const url = typeof req.query.profile_url === 'string' ? req.query.profile_url : undefined;
    if (!url) throw invalidInput('invalid_parameter', 'profile_url is required', { parameter: 'profile_url' });
    if (!registry.remove(url)) throw notFound('platform_not_found', `no pinned platform ${url}`);
    res.status(204).end();
  });
  return r;
}
