import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config', () => {
  test('defaults', () => {
    const c = loadConfig({}, {}, '/srv/shop');
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: path.resolve('/srv/shop/data'),
      dbFile: path.resolve('/srv/shop/data/ucpd.sqlite'),
      baseUrl: 'http://127.0.0.1:8080',
      seedDemo: true,
      qualityExclude: [],
      defaultCurrency: 'USD',
      logLevel: 'info',
      trustProxy: false,
      jsonLimit: 5 * 1024 * 1024,
      feedIdleMs: 30_000,
      ucp: expect.objectContaining({ testPayments: 'demo', maxLineQuantity: 1000 }),
    });
  });

  test('hardening settings: test payments are explicit or demo-only; quantities and upload idle time are bounded', () => {
    expect(loadConfig({}, { UCPD_UCP_TEST_PAYMENTS: 'true' }).ucp.testPayments).toBe('always');
    expect(loadConfig({}, { UCPD_UCP_TEST_PAYMENTS: 'false', UCPD_SEED_DEMO: 'true' }).ucp.testPayments).toBe('never');
    expect(loadConfig({}, { UCPD_SEED_DEMO: 'false' }).ucp.testPayments).toBe('demo');
    expect(loadConfig({ ucpMaxLineQuantity: '25' }, {}).ucp.maxLineQuantity).toBe(25);
    expect(loadConfig({}, { UCPD_FEED_IDLE_TIMEOUT: '5' }).feedIdleMs).toBe(5000);
    for (const [key, value] of [
      ['UCPD_UCP_MAX_LINE_QUANTITY', '1000001'],
      ['UCPD_UCP_MAX_LINE_QUANTITY', '-1'],
      ['UCPD_FEED_IDLE_TIMEOUT', '0'],
      ['UCPD_FEED_IDLE_TIMEOUT', '1.5'],
      ['UCPD_UCP_TEST_PAYMENTS', 'sometimes'],
    ]) {
      expect(() => loadConfig({}, { [key!]: value! })).toThrow(key!);
    }
  });

  test('environment, and flags over environment', () => {
    const env = { UCPD_PORT: '9000', UCPD_BASE_URL: 'https://shop.example/store/', UCPD_QUALITY_EXCLUDE: 'reviews, images', UCPD_SEED_DEMO: 'no', UCPD_FEED_LIMIT: '2mb' };
    const c = loadConfig({ port: '9100' }, env, '/x');
    expect(c.port).toBe(9100);
    expect(c.baseUrl).toBe('https://shop.example/store');
    expect(c.qualityExclude).toEqual(['reviews', 'images']);
    expect(c.seedDemo).toBe(false);
    expect(c.feedLimit).toBe(2 * 1024 * 1024);
  });

  test('a host that listens everywhere gets a localhost base URL', () => {
    expect(loadConfig({ host: '0.0.0.0', port: '81' }, {}).baseUrl).toBe('http://localhost:81');
  });

  test('every problem is reported at once, naming flag and variable', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({}, { UCPD_PORT: 'eighty', UCPD_BASE_URL: 'ftp://x', UCPD_QUALITY_EXCLUDE: 'vibes', UCPD_LOG_LEVEL: 'loud', UCPD_SEED_DEMO: 'maybe', UCPD_DEFAULT_CURRENCY: 'EURO' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      expect.stringContaining('--port / UCPD_PORT must be an integer'),
      expect.stringContaining('--base-url / UCPD_BASE_URL must be an http(s) URL'),
      expect.stringContaining('unknown check "vibes"'),
      expect.stringContaining('UCPD_DEFAULT_CURRENCY must be an ISO 4217 code'),
      expect.stringContaining('UCPD_LOG_LEVEL must be debug'),
      expect.stringContaining('UCPD_SEED_DEMO must be true or false'),
    ]);
  });
});
