/**
 * One typed configuration object built from command-line flags and UCPD_* environment variables (flags
 * win), validated up front: every problem is reported at once, naming the flag and variable.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isQualityCheckId, type QualityCheckId } from './catalog/quality.js';
import { UcpdError } from './errors.js';
import { isCurrencyCode } from './catalog/money.js';
import { CURRENT_VERSION, isProtocolVersion, PROTOCOL_VERSIONS } from './ucp/versions.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  dbFile: string;
  /** Public base URL every absolute URL is built from; no trailing slash. */
  baseUrl: string;
  /** The base URL was configured, not derived from host and port. */
  baseUrlConfigured: boolean;
  /** Import the demo catalog when the store is empty on start. */
  seedDemo: boolean;
  /** Agent-facing output leaves out products failing any of these quality checks. */
  qualityExclude: QualityCheckId[];
  /** Currency for feeds that carry none (UCP CSV) before a merchant record sets one. */
  defaultCurrency: string;
  logLevel: LogLevel;
  /** Trust X-Forwarded-* from a proxy in front of ucpd. */
  trustProxy: boolean;
  /** Largest admin JSON body, bytes. */
  jsonLimit: number;
  /** Largest feed upload through the admin API, bytes. */
  feedLimit: number;
  /** Open connections one client address may hold (not applied to loopback peers or behind --trust-proxy). */
  connectionsPerClient: number;
  /** A feed upload that sends nothing for this long is aborted (and nothing is applied), milliseconds. */
  feedIdleMs: number;
  /** Sign agent-facing responses (RFC 9421); off only when a proxy in front signs them. */
  signResponses: boolean;
  /** Serve HTTPS with this certificate chain and key (PEM files); both or neither. */
  /** HTTPS: certificate and key files, and the lowest TLS version accepted (1.3 unless told otherwise). */
  tls?: { certFile: string; keyFile: string; minVersion: 'TLSv1.2' | 'TLSv1.3' };
  ucp: UcpConfig;
}

export interface UcpConfig {
  /** Reject UCP requests without a valid RFC 9421 signature. */
  requireSignatures: boolean;
  /** Only platforms pinned in the registry (or under a trusted origin) may call. */
  approvedOnly: boolean;
  /** Origins whose profiles are fetched without the unknown-origin budget (and allowed in approved-only mode). */
  trustedOrigins: string[];
  /** Hosts (host or host:port) a profile may be fetched from despite a private address, and over http (local testing). */
  fetchAllowHosts: string[];
  /** Older protocol versions served beside the current one, advertised in supported_versions (default: all ucpd implements). */
  supportedVersions: string[];
  /** Largest UCP request body, bytes. */
  bodyLimit: number;
  /** Oldest accepted request signature (`created`), seconds. */
  signatureMaxAge: number;
  /**
   * The test payment handler (mock_payment_handler: success_token / fail_token), which lets anyone place
   * orders without paying: 'demo' (default) offers it only while the store holds the bundled demo
   * catalog; 'always' / 'never' when set explicitly. Never 'always' in production.
   */
  testPayments: 'demo' | 'always' | 'never';
  /** Largest quantity of one checkout or cart line. */
  maxLineQuantity: number;
  /**
   * A buyer's saved addresses: 'off' (default; UCP reserves them for user-authenticated identity
   * linking, which ucpd does not do yet) or 'by-email': offered to, and saved by, any platform that
   * names the buyer's email (the UCP reference store's behaviour, for conformance runs).
   */
  savedAddresses: 'off' | 'by-email';
  /** Enables POST /testing/simulate-shipping/{id} for conformance runs, guarded by this secret. */
  simulationSecret?: string;
}

/** Raw string values, by config key; flags first, then environment. */
export type RawConfig = Partial<Record<keyof typeof ENV, string | undefined>>;

export const ENV = {
  host: 'UCPD_HOST',
  port: 'UCPD_PORT',
  dataDir: 'UCPD_DATA_DIR',
  baseUrl: 'UCPD_BASE_URL',
  seedDemo: 'UCPD_SEED_DEMO',
  qualityExclude: 'UCPD_QUALITY_EXCLUDE',
  defaultCurrency: 'UCPD_DEFAULT_CURRENCY',
  logLevel: 'UCPD_LOG_LEVEL',
  trustProxy: 'UCPD_TRUST_PROXY',
  jsonLimit: 'UCPD_JSON_LIMIT',
  feedLimit: 'UCPD_FEED_LIMIT',
  feedIdleTimeout: 'UCPD_FEED_IDLE_TIMEOUT',
  connectionsPerClient: 'UCPD_CONNECTIONS_PER_CLIENT',
  signResponses: 'UCPD_SIGN_RESPONSES',
  tlsCert: 'UCPD_TLS_CERT',
  tlsKey: 'UCPD_TLS_KEY',
  tlsMinVersion: 'UCPD_TLS_MIN_VERSION',
  ucpRequireSignatures: 'UCPD_UCP_REQUIRE_SIGNATURES',
  ucpApprovedOnly: 'UCPD_UCP_APPROVED_ONLY',
  ucpTrustedOrigins: 'UCPD_UCP_TRUSTED_ORIGINS',
  ucpFetchAllowHosts: 'UCPD_UCP_FETCH_ALLOW_HOSTS',
  ucpSupportedVersions: 'UCPD_UCP_SUPPORTED_VERSIONS',
  ucpBodyLimit: 'UCPD_UCP_BODY_LIMIT',
  ucpSignatureMaxAge: 'UCPD_UCP_SIGNATURE_MAX_AGE',
  ucpTestPayments: 'UCPD_UCP_TEST_PAYMENTS',
  ucpSimulationSecret: 'UCPD_UCP_SIMULATION_SECRET',
  ucpMaxLineQuantity: 'UCPD_UCP_MAX_LINE_QUANTITY',
  ucpSavedAddresses: 'UCPD_UCP_SAVED_ADDRESSES',
} as const;

const FLAG: Record<keyof typeof ENV, string> = {
  host: '--host',
  port: '--port',
  dataDir: '--data-dir',
  baseUrl: '--base-url',
  seedDemo: '--seed-demo',
  qualityExclude: '--quality-exclude',
  defaultCurrency: '--currency',
  logLevel: '--log-level',
  trustProxy: '--trust-proxy',
  jsonLimit: '--json-limit',
  feedLimit: '--feed-limit',
  feedIdleTimeout: '--feed-idle-timeout',
  connectionsPerClient: '--connections-per-client',
  signResponses: '--no-sign-responses',
  tlsCert: '--tls-cert',
  tlsKey: '--tls-key',
  tlsMinVersion: '--tls-min-version',
  ucpRequireSignatures: '--require-signatures',
  ucpApprovedOnly: '--approved-platforms-only',
  ucpTrustedOrigins: '--trusted-origins',
  ucpFetchAllowHosts: '--profile-fetch-allow',
  ucpSupportedVersions: '--ucp-supported-versions',
  ucpBodyLimit: '--ucp-body-limit',
  ucpSignatureMaxAge: '--signature-max-age',
  ucpTestPayments: '--test-payments',
  ucpSimulationSecret: '--simulation-secret',
  ucpMaxLineQuantity: '--max-line-quantity',
  ucpSavedAddresses: '--saved-addresses',
};

export class ConfigError extends UcpdError {
  constructor(readonly problems: string[]) {
    super('invalid_input', 'invalid_config', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { problems });
    this.name = 'ConfigError';
  }
}

const SIZE = /^(\d+)\s*(b|kb|mb|gb)?$/i;

/** Default largest quantity of one checkout line (UCPD_UCP_MAX_LINE_QUANTITY). */
export const DEFAULT_MAX_LINE_QUANTITY = 1000;

/** The URL a server listening on host:port is reached at locally. */
export function localBaseUrl(host: string, port: number, tls = false): string {
  return `${tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function loadConfig(flags: RawConfig = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const raw = (key: keyof typeof ENV): string | undefined => flags[key] ?? env[ENV[key]] ?? undefined;
  const where = (key: keyof typeof ENV) => `${FLAG[key]} / ${ENV[key]}`;

  const bool = (key: keyof typeof ENV, fallback: boolean): boolean => {
    const v = raw(key);
    if (v === undefined || v === '') return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    problems.push(`${where(key)} must be true or false, got "${v}"`);
    return fallback;
  };
  const size = (key: keyof typeof ENV, fallback: number): number => {
    const v = raw(key);
    if (v === undefined || v === '') return fallback;
    const m = SIZE.exec(v.trim());
    if (!m) {
      problems.push(`${where(key)} must be a size like 5mb, got "${v}"`);
      return fallback;
    }
    const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
    return Number(m[1]) * unit;
  };

  const host = raw('host') || '127.0.0.1';
  const portText = raw('port') ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.push(`${where('port')} must be an integer from 0 to 65535, got "${portText}"`);

  const dataDir = path.resolve(cwd, raw('dataDir') || 'data');

  const defaultBase = localBaseUrl(host, port, Boolean(raw('tlsCert') && raw('tlsKey')));
  const baseUrlConfigured = Boolean(raw('baseUrl'));
  let baseUrl = raw('baseUrl') || defaultBase;
  try {
    const u = new URL(baseUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`${where('baseUrl')} must be an http(s) URL, got "${baseUrl}"`);
    else if (u.search || u.hash || u.username) problems.push(`${where('baseUrl')} must not have a query, fragment or credentials`);
    baseUrl = u.origin + u.pathname.replace(/\/+$/, '');
  } catch {
    problems.push(`${where('baseUrl')} is not a URL: "${baseUrl}"`);
  }

  const qualityExclude: QualityCheckId[] = [];
  for (const item of (raw('qualityExclude') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (isQualityCheckId(item)) qualityExclude.push(item);
    else problems.push(`${where('qualityExclude')}: unknown check "${item}"`);
  }

  const defaultCurrency = (raw('defaultCurrency') || 'USD').toUpperCase();
  if (!isCurrencyCode(defaultCurrency)) problems.push(`${where('defaultCurrency')} must be an ISO 4217 code, got "${defaultCurrency}"`);

  const logLevel = (raw('logLevel') || 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    problems.push(`${where('logLevel')} must be debug, info, warn, error or silent, got "${logLevel}"`);
  }

  const list = (key: keyof typeof ENV): string[] =>
    (raw(key) ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);

  const tlsCert = raw('tlsCert');
  const tlsKey = raw('tlsKey');
  if (Boolean(tlsCert) !== Boolean(tlsKey)) problems.push(`${where('tlsCert')} and ${where('tlsKey')} go together: give both or neither`);
  for (const [key, file] of [
    ['tlsCert', tlsCert],
    ['tlsKey', tlsKey],
  ] as const) {
    if (file && !existsSync(path.resolve(cwd, file))) problems.push(`${where(key)}: no such file "${file}"`);
  }
  // UCP's REST bindings: "MUST be served over HTTPS with minimum TLS version 1.3"; 1.2 only when asked for
  const tlsMin = raw('tlsMinVersion') ?? '1.3';
  if (tlsMin !== '1.3' && tlsMin !== '1.2') problems.push(`${where('tlsMinVersion')}: "${tlsMin}" is not a TLS version ucpd serves; use 1.3 (the default, what UCP requires) or 1.2`);

  const trustedOrigins: string[] = [];
  for (const item of list('ucpTrustedOrigins')) {
    try {
      const u = new URL(item);
      if (u.origin === 'null' || u.pathname !== '/' || u.search) throw new Error();
      trustedOrigins.push(u.origin);
    } catch {
      problems.push(`${where('ucpTrustedOrigins')}: "${item}" is not an origin like https://agent.example`);
    }
  }
  const fetchAllowHosts = list('ucpFetchAllowHosts').map((h) => h.toLowerCase());
  for (const h of fetchAllowHosts) if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(h)) problems.push(`${where('ucpFetchAllowHosts')}: "${h}" is not a host or host:port`);
  // older versions beside the current one: every one ucpd implements unless told (an empty value: none)
  const older = PROTOCOL_VERSIONS.filter((v) => v !== CURRENT_VERSION);
  const supportedVersions = raw('ucpSupportedVersions') === undefined ? [...older] : list('ucpSupportedVersions').filter((v) => v !== CURRENT_VERSION);
  for (const v of supportedVersions)
    if (!isProtocolVersion(v)) problems.push(`${where('ucpSupportedVersions')}: "${v}" is not a UCP version ucpd implements (${older.join(', ')} beside the current ${CURRENT_VERSION})`);
  const maxAgeText = raw('ucpSignatureMaxAge') ?? '300';
  const signatureMaxAge = Number(maxAgeText);
  if (!/^\d+$/.test(maxAgeText) || signatureMaxAge < 1 || signatureMaxAge > 86_400) problems.push(`${where('ucpSignatureMaxAge')} must be seconds from 1 to 86400, got "${maxAgeText}"`);

  const simulationSecret = raw('ucpSimulationSecret');
  if (simulationSecret !== undefined && simulationSecret !== '' && simulationSecret.length < 16) problems.push(`${where('ucpSimulationSecret')} must be at least 16 characters`);
  const seedDemo = bool('seedDemo', true);
  const connText = raw('connectionsPerClient') ?? '256';
  const connectionsPerClient = Number(connText);
  if (!/^\d+$/.test(connText) || connectionsPerClient < 1 || connectionsPerClient > 100_000) problems.push(`${where('connectionsPerClient')} must be an integer from 1 to 100000, got "${connText}"`);
  const idleText = raw('feedIdleTimeout') ?? '30';
  const feedIdleSeconds = Number(idleText);
  if (!/^\d+$/.test(idleText) || feedIdleSeconds < 1 || feedIdleSeconds > 3600) problems.push(`${where('feedIdleTimeout')} must be seconds from 1 to 3600, got "${idleText}"`);
  const testPaymentsRaw = raw('ucpTestPayments');
  const testPayments = testPaymentsRaw === undefined || testPaymentsRaw === '' ? 'demo' : bool('ucpTestPayments', false) ? 'always' : 'never';
  const savedAddresses = (raw('ucpSavedAddresses') || 'off') as 'off' | 'by-email';
  if (savedAddresses !== 'off' && savedAddresses !== 'by-email') problems.push(`${where('ucpSavedAddresses')} must be off or by-email, got "${String(savedAddresses)}"`);
  const maxQtyText = raw('ucpMaxLineQuantity') ?? String(DEFAULT_MAX_LINE_QUANTITY);
  const maxLineQuantity = Number(maxQtyText);
  if (!/^\d+$/.test(maxQtyText) || maxLineQuantity < 1 || maxLineQuantity > 1_000_000) problems.push(`${where('ucpMaxLineQuantity')} must be an integer from 1 to 1000000, got "${maxQtyText}"`);

  const config: Config = {
    host,
    port,
    dataDir,
    dbFile: path.join(dataDir, 'ucpd.sqlite'),
    baseUrl,
    baseUrlConfigured,
    seedDemo,
    qualityExclude,
    defaultCurrency,
    logLevel,
    trustProxy: bool('trustProxy', false),
    jsonLimit: size('jsonLimit', 5 * 1024 ** 2),
    feedLimit: size('feedLimit', 512 * 1024 ** 2),
    feedIdleMs: feedIdleSeconds * 1000,
    connectionsPerClient,
    signResponses: bool('signResponses', true),
    ...(tlsCert && tlsKey ? { tls: { certFile: path.resolve(cwd, tlsCert), keyFile: path.resolve(cwd, tlsKey), minVersion: tlsMin === '1.2' ? ('TLSv1.2' as const) : ('TLSv1.3' as const) } } : {}),
    ucp: {
      requireSignatures: bool('ucpRequireSignatures', false),
      approvedOnly: bool('ucpApprovedOnly', false),
      trustedOrigins,
      fetchAllowHosts,
      supportedVersions,
      bodyLimit: size('ucpBodyLimit', 1024 ** 2),
      signatureMaxAge,
      testPayments,
      maxLineQuantity,
      savedAddresses,
      ...(simulationSecret ? { simulationSecret } : {}),
    },
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}
