/**
 * Money: integer minor units plus an ISO 4217 currency everywhere inside ucpd; decimal strings only at
 * the edges (schema.org prices, feed formats that write "19.99 USD"). Conversions are string arithmetic,
 * never floating point, so every price round-trips exactly.
 */
import { UcpdError } from '../errors.js';

/** ISO 4217 minor units for currencies whose exponent is not 2 (ISO, not CLDR: they differ for IQD, LAK...). */
const EXPONENT: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

const KNOWN: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export class MoneyError extends UcpdError {
  constructor(message: string) {
    super('invalid_input', 'invalid_money', message);
    this.name = 'MoneyError';
  }
}

/** True for an active ISO 4217 code as Node's ICU knows it (upper case, three letters). */
export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && KNOWN.has(code);
}

/** Number of decimal places of the currency's minor unit. */
export function minorUnitExponent(currency: string): number {
  if (!isCurrencyCode(currency)) throw new MoneyError(`unknown currency code "${currency}"`);
  return EXPONENT[currency] ?? 2;
}

/** 1999 USD -> "19.99"; 500 JPY -> "500"; -5 USD -> "-0.05". */
export function toDecimalString(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new MoneyError(`amount must be an integer number of minor units, got ${amount}`);
  const exp = minorUnitExponent(currency);
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount));
  if (exp === 0) return sign + digits;
  const padded = digits.padStart(exp + 1, '0');
  return `${sign}${padded.slice(0, -exp)}.${padded.slice(-exp)}`;
}

/**
 * "19.99" USD -> 1999. Accepts an optional sign, integer part and up to `exponent` fraction digits.
 * Rejects anything that would need rounding ("19.999" USD), exponents, separators and empty strings.
 */
export function parseDecimal(text: string, currency: string): number {
  const exp = minorUnitExponent(currency);
  const m = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new MoneyError(`"${text}" is not a decimal amount`);
  const [, sign, whole, fraction = ''] = m;
  if (fraction.length > exp) {
    throw new MoneyError(`"${text}" has more than ${exp} decimal places for ${currency}`);
  }
  const minor = Number(whole + fraction.padEnd(exp, '0'));
  if (!Number.isSafeInteger(minor)) throw new MoneyError(`"${text}" is too large`);
  return sign === '-' && minor !== 0 ? -minor : minor;
}

/** Sum of integer minor units; throws rather than lose precision. */
export function sumMinor(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  if (!Number.isSafeInteger(total)) throw new MoneyError('amount overflow');
  return total;
}
