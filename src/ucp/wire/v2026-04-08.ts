/**
 * UCP 2026-04-08 on the wire: the model's shapes, without what later versions added (policies), and
 * buyer consent as its four booleans (the buyer's statements; defaults are not sent).
 */
import { asConfirmation, consentFromBooleans, consentToBooleans, storedConsent } from '../checkout/consent.js';
import type { Json, WireCodec } from './types.js';
import { isObject } from '../../util/is-object.js';

export const v20260408: WireCodec = {
  version: '2026-04-08',
  request(_resource, body) {
    const buyer = body.buyer;
    if (!isObject(buyer) || !isObject(buyer.consent)) return body;
    return { ...body, buyer: { ...buyer, consent: asConfirmation(consentFromBooleans(buyer.consent)) } };
  },
  response(_resource, body) {
    const { policies: _policies, ...out } = body;
    const buyer = out.buyer;
    if (isObject(buyer) && buyer.consent !== undefined) {
      const { consent, ...rest } = buyer;
      const booleans = consentToBooleans(storedConsent(consent));
      out.buyer = Object.keys(booleans).length ? { ...rest, consent: booleans } : rest;
      if (Object.keys(out.buyer as Json).length === 0) delete out.buyer;
    }
    return out;
  },
};
