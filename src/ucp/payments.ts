/**
 * Payment handlers: how a checkout is paid. Each handler is advertised in the business profile (and in
 * every checkout's `ucp.payment_handlers`) under a reverse-domain name with an instance `id` that
 * instruments name as `handler_id`. A handler authorises an amount against an instrument's credential
 * and can void that authorisation (when the stock was gone after all). Credentials are never stored
 * or echoed: only the instrument's display data is.
 *
 * The test handler (instance `mock_payment_handler`, the id the UCP conformance tooling uses) accepts
 * token credentials: `success_token` is approved, `fail_token` is declined, anything else is invalid.
 * Test card credentials (`{type: "card", number}`) work too: Luhn-valid numbers are approved except
 * 4000000000000002, which is declined. `challenge_token` (or card 4000000000003220) is a soft decline:
 * the issuer wants the buyer to authenticate (3-D Secure style), so the checkout escalates to a challenge
 * page at its continue_url, where the buyer approves (the order is then placed) or declines; agents can
 * rehearse the handoff. It lets anyone place orders without paying, so it is offered
 * only while a gate says so (by default: while the store holds the bundled demo catalog) or when
 * UCPD_UCP_TEST_PAYMENTS=true, and its profile entry says so in capitals.
 */
import { randomUUID } from 'node:crypto';
import { Lru } from '../util/lru.js';
import { UCP_VERSION } from './constants.js';

export interface PaymentInstrumentInput {
  id: string;
  handler_id: string;
  type: string;
  credential?: { type?: string; token?: string; [k: string]: unknown };
  display?: Record<string, unknown>;
  billing_address?: Record<string, unknown>;
  selected?: boolean;
}

export type AuthorizationResult =
  | { ok: true; reference: string }
  | { ok: false; code: 'payment_declined' | 'payment_failed' | 'invalid_credential'; message: string; severity: 'recoverable' | 'requires_buyer_input' }
  /** A soft decline: the buyer must authenticate the payment (challenge id) before it can be authorised. */
  | { ok: false; code: 'payment_authentication_required'; message: string; severity: 'requires_buyer_input'; challenge: string };

export interface PaymentHandler {
  /** Reverse-domain name (the registry key in profiles). */
  readonly name: string;
  /** Instance id, referenced by instruments' handler_id. */
  readonly id: string;
  /** The profile / response entry for this handler. */
  entry(): Record<string, unknown>;
  authorize(instrument: PaymentInstrumentInput, amount: number, currency: string, idempotencyKey: string): Promise<AuthorizationResult>;
  void(reference: string): Promise<void>;
  /**
   * The buyer's answer to a challenge: approved, the credential `challengeCredential(id)` authorises that
   * amount once; declined, it never will. False for a challenge the handler does not know (expired).
   */
  resolveChallenge?(challenge: string, approved: boolean): boolean;
}

/** The credential that completes a payment after its challenge was approved. */
export function challengeCredential(challenge: string): { type: 'token'; token: string } {
  return { type: 'token', token: `challenge_passed:${challenge}` };
}

/** The test card number that asks for authentication (a 3-D Secure challenge). */
export const CHALLENGE_CARD = '4000000000003220';
/** Challenges the test handler remembers, and for how long one may be answered. */
const REMEMBERED_CHALLENGES = 10_000;
const CHALLENGE_TTL_MS = 15 * 60_000;

/** The test card number that is always declined. */
export const DECLINED_CARD = '4000000000000002';

function luhn(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Authorisations the test handler remembers (by idempotency key, so a retry gets the same reference). */
const REMEMBERED_AUTHORIZATIONS = 10_000;

export class TestPaymentHandler implements PaymentHandler {
  readonly name = 'dev.ucpd.payments.test';
  readonly id = 'mock_payment_handler';
  private readonly authorized = new Lru<string, string>(REMEMBERED_AUTHORIZATIONS);
  private readonly challenges = new Lru<string, { amount: number; currency: string; state: 'pending' | 'approved' | 'declined' | 'used'; until: number }>(REMEMBERED_CHALLENGES);

  constructor(private readonly now: () => number = Date.now) {}

  entry(): Record<string, unknown> {
    return {
      id: this.id,
      version: UCP_VERSION,
      spec: 'https://ucpd.dev/specification/payments/test',
      schema: 'https://ucpd.dev/schemas/payments/test.json',
      available_instruments: [{ type: 'card' }],
      config: {
        environment: 'test',
        warning: 'TEST PAYMENTS: no money moves and any agent can place orders with the token success_token. A live store never offers this handler.',
        tokens: { approved: 'success_token', declined: 'fail_token', challenge: 'challenge_token' },
        challenge:
          'challenge_token (or card 4000000000003220) asks the buyer to authenticate: the checkout answers requires_escalation with continue_url to a test 3-D Secure page where the buyer approves or declines',
      },
    };
  }

  async authorize(instrument: PaymentInstrumentInput, amount: number, currency: string, idempotencyKey: string): Promise<AuthorizationResult> {
    const credential = instrument.credential;
    const token = credential?.token;
    // test cards: any Luhn-valid number is approved except the conventional decline number
    const number = typeof credential?.number === 'string' ? credential.number.replace(/\s+/g, '') : undefined;
    if (credential?.type === 'card' && number) {
      if (!luhn(number)) return { ok: false, code: 'invalid_credential', message: 'the card number is not valid', severity: 'recoverable' };
      if (number === DECLINED_CARD) return { ok: false, code: 'payment_declined', message: 'the card was declined', severity: 'recoverable' };
    }
    if (token === 'challenge_token' || number === CHALLENGE_CARD) {
      const challenge = `ch_${randomUUID()}`;
      this.challenges.set(challenge, { amount, currency, state: 'pending', until: this.now() + CHALLENGE_TTL_MS });
      return { ok: false, code: 'payment_authentication_required', message: 'the card issuer asks the buyer to authenticate this payment', severity: 'requires_buyer_input', challenge };
    }
    if (typeof token === 'string' && token.startsWith('challenge_passed:')) {
      const c = this.challenges.get(token.slice('challenge_passed:'.length));
      if (c?.state !== 'approved' || this.now() > c.until || c.amount !== amount || c.currency !== currency)
        return { ok: false, code: 'payment_declined', message: 'the payment authentication was not approved for this amount', severity: 'recoverable' };
      c.state = 'used';
      return { ok: true, reference: `auth_${randomUUID()}` };
    }
    if (token === 'success_token' || (credential?.type === 'card' && number)) {
      const reference = this.authorized.get(idempotencyKey) ?? `auth_${randomUUID()}`;
      this.authorized.set(idempotencyKey, reference);
      return { ok: true, reference };
    }
    if (token === 'fail_token') return { ok: false, code: 'payment_declined', message: 'the payment was declined', severity: 'recoverable' };
    return { ok: false, code: 'invalid_credential', message: 'the payment credential is not a token this handler accepts', severity: 'recoverable' };
  }

  async void(_reference: string): Promise<void> {
    // nothing was moved
  }

  resolveChallenge(challenge: string, approved: boolean): boolean {
    const c = this.challenges.get(challenge);
    if (c?.state !== 'pending' || this.now() > c.until) return false;
    c.state = approved ? 'approved' : 'declined';
    return true;
  }
}

/** The handlers a business offers at one moment, by instance id. */
export class OfferedHandlers {
  private readonly byId: Map<string, PaymentHandler>;

  constructor(readonly handlers: readonly PaymentHandler[]) {
    this.byId = new Map(handlers.map((h) => [h.id, h]));
  }

  get(id: string): PaymentHandler | undefined {
    return this.byId.get(id);
  }

  /** The `payment_handlers` registry for profiles and checkout responses. */
  registry(): Record<string, Record<string, unknown>[]> {
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const h of this.handlers) {
      out[h.name] ??= [];
      out[h.name]!.push(h.entry());
    }
    return out;
  }
}

/**
 * The handlers a business may offer, each with an optional gate deciding, at the moment of asking,
 * whether it is offered: the profile, every checkout response and every completion ask, so what is
 * advertised is what is accepted.
 */
export class PaymentHandlers {
  constructor(private readonly entries: readonly { handler: PaymentHandler; gate?: () => Promise<boolean> }[]) {}

  async offered(): Promise<OfferedHandlers> {
    const open = await Promise.all(this.entries.map(async (e) => (e.gate ? e.gate() : true)));
    return new OfferedHandlers(this.entries.filter((_e, i) => open[i]).map((e) => e.handler));
  }
}

/** An instrument as it may be stored and echoed: no credential. */
export function withoutCredential(i: PaymentInstrumentInput): Omit<PaymentInstrumentInput, 'credential'> {
  const { credential: _credential, ...rest } = i;
  return rest;
}
