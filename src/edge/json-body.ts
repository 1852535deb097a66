/**
 * JSON request bodies for the Express routes: parsed with a size limit, then refused (400
 * too_deep) past a nesting depth, so no handler ever walks or serialises a value deep enough to
 * overflow the stack.
 */
import { json, type RequestHandler } from 'express';
import { invalidInput } from '../errors.js';
import { MAX_JSON_DEPTH, jsonOverLimits, type JsonLimits } from '../util/json-limits.js';

export function jsonBody(o: { limit: number; type?: string[]; limits?: JsonLimits }): RequestHandler {
  const limits = o.limits ?? { maxDepth: MAX_JSON_DEPTH };
  const parse = json({ limit: o.limit, type: o.type ?? ['application/json', 'application/*+json'] });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err) return next(err);
      const over = req.body === undefined ? undefined : jsonOverLimits(req.body, limits);
      if (over) return next(invalidInput('body_too_complex', `the request body is too complex: ${over}`));
      next();
    });
  };
}
