/**
 * Reading an agent's free-text query the way a shopper means it. Constraints stated in words become
 * filters ("under $100", "between 50 and 80 EUR", "in stock", "size 10"); what is left are the words to
 * search for, minus stopwords. Pure and deterministic; every constraint it recognised is reported back
 * in words, so the response can say how the query was understood.
 */

export interface UnderstoodPrice {
  /** Minor units, in `currency` (when the text named one) or in the request's currency. */
  min?: number;
  max?: number;
  /** ISO 4217 code from a symbol or code in the text, when there was one. */
  currency?: string;
  /** The words that stated it, e.g. "under $100". */
  text: string;
}

export interface UnderstoodQuery {
  /** Words to search for (lower-case, deduplicated, in order). */
  terms: string[];
  price?: UnderstoodPrice;
  inStock: boolean;
  /** Option constraints, e.g. { name: "size", values: ["10", "us 10", ...], text: "size 10" }. */
  options: { name: string; values: string[]; text: string }[];
}

const STOPWORDS = new Set(
  'a an and any are as at be best buy by can cheap do for from get good i im in is it looking me my need of on or please show some something that the their them this to want what which with you your'.split(
    ' ',
  ),
);

const SYMBOLS: Record<string, string> = { '€': 'EUR', '£': 'GBP', '¥': 'JPY', '₹': 'INR', '₩': 'KRW' };
const WORD_CURRENCY: Record<string, string> = { dollar: '$', dollars: '$', bucks: '$', euro: 'EUR', euros: 'EUR', pound: 'GBP', pounds: 'GBP', yen: 'JPY' };

const SIZE_WORDS: Record<string, string> = {
  xs: 'xs',
  'extra small': 'xs',
  'x-small': 'xs',
  small: 's',
  s: 's',
  medium: 'm',
  m: 'm',
  large: 'l',
  l: 'l',
  xl: 'xl',
  'x-large': 'xl',
  'extra large': 'xl',
  xxl: 'xxl',
  '2xl': 'xxl',
  'xx-large': 'xxl',
};

/** The option values a stated size matches: "10" also matches "US 10"; "m" also matches "S/M" and "M/L". */
export function sizeValues(size: string): string[] {
  const s = size.toLowerCase();
  const letter = SIZE_WORDS[s];
  if (letter) {
    const order = ['xs', 's', 'm', 'l', 'xl', 'xxl'];
    const i = order.indexOf(letter);
    const around = [order[i - 1] && `${order[i - 1]}/${letter}`, order[i + 1] && `${letter}/${order[i + 1]}`].filter(Boolean) as string[];
    const spelled = Object.entries(SIZE_WORDS)
      .filter(([word, v]) => v === letter && word.length > 2)
      .map(([word]) => word);
    return [letter, ...spelled, ...around];
  }
  return [s, `us ${s}`, `${s} us`, `eu ${s}`, `uk ${s}`];
}

interface Money {
  amount: number;
  currency?: string;
}

const MONEY = String.raw`(?:(?<sym>[$€£¥₹₩])\s*|(?<pre>[a-z]{3})\s+)?(?<num>\d{1,9}(?:[.,]\d{1,2})?)(?:\s*(?<post>[a-z]{3}|dollars?|bucks|euros?|pounds?|yen)\b)?`;

function money(groups: Record<string, string | undefined>, prefix: string, isCode: (code: string) => boolean): Money | undefined {
  const num = groups[`${prefix}num`];
  if (!num) return undefined;
  const value = Number(num.replace(',', '.'));
  if (!Number.isFinite(value)) return undefined;
  const sym = groups[`${prefix}sym`];
  const pre = groups[`${prefix}pre`]?.toUpperCase();
  const post = groups[`${prefix}post`]?.toLowerCase();
  let currency: string | undefined;
  if (sym) currency = SYMBOLS[sym] ?? '$';
  else if (pre && isCode(pre)) currency = pre;
  else if (post) currency = WORD_CURRENCY[post] ?? (isCode(post.toUpperCase()) ? post.toUpperCase() : undefined);
  if ((pre && !isCode(pre)) || (post && !currency)) return undefined;
  return { amount: value, ...(currency ? { currency } : {}) };
}

function named(re: string, prefix: string): string {
  return re.replace(/\(\?<(\w+)>/g, `(?<${prefix}$1>`);
}

const PRICE_PATTERNS: { re: RegExp; kind: 'max' | 'min' | 'between' }[] = [
  { re: new RegExp(String.raw`\bbetween\s+${named(MONEY, 'a')}\s+and\s+${named(MONEY, 'b')}`, 'i'), kind: 'between' },
  { re: new RegExp(String.raw`(?:^|\s)${named(MONEY, 'a')}\s*(?:-|–|to)\s*${named(MONEY, 'b')}(?=\s|$)`, 'i'), kind: 'between' },
  { re: new RegExp(String.raw`\b(?:under|below|less than|cheaper than|up to|at most|max(?:imum)?|no more than)\s+${named(MONEY, 'a')}`, 'i'), kind: 'max' },
  { re: new RegExp(String.raw`(?:<=?)\s*${named(MONEY, 'a')}`, 'i'), kind: 'max' },
  { re: new RegExp(String.raw`\b(?:over|above|more than|at least|min(?:imum)?|starting at)\s+${named(MONEY, 'a')}`, 'i'), kind: 'min' },
  { re: new RegExp(String.raw`(?:>=?)\s*${named(MONEY, 'a')}`, 'i'), kind: 'min' },
];

export interface UnderstandOptions {
  /** Whether an upper-case word is a currency code the text may name (ISO 4217). */
  isCurrency(code: string): boolean;
  /** Minor-unit exponent of a currency (2 for USD). */
  exponent(currency: string): number;
  /** The currency "$" means for this buyer (the request's dollar currency, else USD). */
  dollar: string;
  /** The currency bare numbers mean ("under 100"). */
  fallbackCurrency: string;
}

export function understand(text: string, o: UnderstandOptions): UnderstoodQuery {
  let rest = ` ${text.normalize('NFKC')} `;
  const out: UnderstoodQuery = { terms: [], inStock: false, options: [] };

  for (const p of PRICE_PATTERNS) {
    const m = p.re.exec(rest);
    if (!m?.groups) continue;
    const a = money(m.groups, 'a', o.isCurrency);
    const b = p.kind === 'between' ? money(m.groups, 'b', o.isCurrency) : undefined;
    if (!a || (p.kind === 'between' && !b)) continue;
    // "10-20" without any currency marker is too ambiguous (sizes, capacities): leave it as words
    if (p.kind === 'between' && !a.currency && !b?.currency && !/\bbetween\b/i.test(m[0])) continue;
    let currency = a.currency ?? b?.currency;
    if (currency === '$') currency = o.dollar;
    const cur = currency ?? o.fallbackCurrency;
    // a stated amount beyond any price ("under $1e30") is the largest exact amount, never an inexact number
    const minor = (v: number) => Math.min(Math.round(v * 10 ** o.exponent(cur)), Number.MAX_SAFE_INTEGER);
    const price: UnderstoodPrice = { text: m[0].trim(), ...(currency ? { currency } : {}) };
    if (p.kind === 'max') price.max = minor(a.amount);
    else if (p.kind === 'min') price.min = minor(a.amount);
    else {
      const [lo, hi] = a.amount <= b!.amount ? [a.amount, b!.amount] : [b!.amount, a.amount];
      price.min = minor(lo);
      price.max = minor(hi);
    }
    out.price = price;
    rest = rest.replace(m[0], ' ');
    break;
  }

  const stock = /\b(?:in[- ]stock|available now|ready to ship|ships today|available today)\b/i.exec(rest);
  if (stock) {
    out.inStock = true;
    rest = rest.replace(stock[0], ' ');
  }

  const size = /\b(?:in\s+)?(?:size|sz)\s*[:=]?\s*(extra small|extra large|x-small|x-large|xx-large|\d{1,2}(?:\.5)?|xxl|2xl|xl|xs|s|m|l|small|medium|large)\b/i.exec(rest);
  if (size) {
    out.options.push({ name: 'size', values: sizeValues(size[1]!), text: size[0].trim() });
    rest = rest.replace(size[0], ' ');
  }

  const seen = new Set<string>();
  for (const raw of rest.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (!raw || STOPWORDS.has(raw) || seen.has(raw)) continue;
    seen.add(raw);
    out.terms.push(raw);
  }
  return out;
}

/** An FTS5 query from plain words: each a quoted string (no operators can be injected), all (AND) or any (OR). */
export function ftsQuery(terms: readonly string[], mode: 'all' | 'any'): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(mode === 'all' ? ' ' : ' OR ');
}

/** A crude stem for explaining matches (FTS5's Porter stemmer decides what matches; this only says where). */
export function stemOf(term: string): string {
  if (term.length > 5 && term.endsWith('ing')) return term.slice(0, -3);
  if (term.length > 4 && (term.endsWith('es') || term.endsWith('ed'))) return term.slice(0, -2);
  if (term.length > 3 && term.endsWith('s') && !term.endsWith('ss')) return term.slice(0, -1);
  return term;
}

/** Whether some word of `text` starts with the stem of `term`. */
export function mentions(text: string, stem: string): boolean {
  const lower = text.toLowerCase();
  for (let i = lower.indexOf(stem); i >= 0; i = lower.indexOf(stem, i + 1)) {
    if (i === 0 || !/[\p{L}\p{N}]/u.test(lower[i - 1]!)) return true;
  }
  return false;
}
