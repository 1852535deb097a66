/**
 * Admin token scopes on Express routes: `requireScope(store, scope)` lets a request through with a
 * bearer token that grants the scope, and refuses it otherwise (401 without a valid token, 403 without
 * the scope), for every edge with admin routes (admin API, trust, platforms, orders).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticate, grants, type Scope } from '../auth/tokens.js';
import { UcpdError } from '../errors.js';
import type { Store, TokenRecord } from '../store/store.js';

export type AuthedRequest = Request & { token?: TokenRecord };

export function requireScope(store: Store, scope: Scope): RequestHandler {
  return async (req: AuthedRequest, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new UcpdError('unauthorized', 'missing_token', 'send an admin token: Authorization: Bearer <token> (create one with `ucpd tokens create`)');
    const token = await authenticate(store, m[1]!);
    if (!token) throw new UcpdError('unauthorized', 'invalid_token', 'the token is unknown or revoked');
    if (!grants(token, scope)) throw new UcpdError('forbidden', 'insufficient_scope', `this token lacks the "${scope}" scope`, { required: scope });
    req.token = token;
    next();
  };
}
