import type { Command } from 'commander';
import { DEFAULT_MAX_LINE_QUANTITY, localBaseUrl } from '../../config.js';
import { createApp } from '../../http/app.js';
import { Urls } from '../../publish/urls.js';
import { openTrust } from '../../trust/trust.js';
import { listen } from '../../http/server.js';
import { installProcessBackstop } from '../../http/guard.js';
import { limitConnections } from '../../http/limits.js';
import { startJobs } from '../../jobs.js';
import { createLogger } from '../../logger.js';
import { systemClock } from '../../store/store.js';
import { configFrom, isPristine, loadDemo, openStore } from '../context.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP server (seeds the demo catalog into an empty store unless --no-seed)')
    .option('--host <host>', 'interface to listen on (UCPD_HOST, default 127.0.0.1)')
    .option('-p, --port <port>', 'port (UCPD_PORT, default 8080; 0 = any free port)')
    .option('--base-url <url>', 'public base URL for absolute links (UCPD_BASE_URL, default http://<host>:<port>)')
    .option('--no-seed', 'do not import the demo catalog into an empty store (UCPD_SEED_DEMO=false)')
    .option('--quality-exclude <checks>', 'hide products failing these quality checks from agents, comma-separated (UCPD_QUALITY_EXCLUDE)')
    .option('--log-level <level>', 'debug|info|warn|error|silent (UCPD_LOG_LEVEL, default info)')
    .option('--trust-proxy', 'trust X-Forwarded-* headers from a reverse proxy (UCPD_TRUST_PROXY)')
    .option('--no-sign-responses', 'do not sign responses (UCPD_SIGN_RESPONSES=false; only when a proxy in front signs them)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate chain (UCPD_TLS_CERT; with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert (UCPD_TLS_KEY)')
    .option('--tls-min-version <version>', 'lowest TLS version accepted: 1.3 (default; UCP requires it) or 1.2 for old clients (UCPD_TLS_MIN_VERSION)')
    .option('--require-signatures', 'reject UCP requests without a valid RFC 9421 signature (UCPD_UCP_REQUIRE_SIGNATURES)')
    .option('--approved-platforms-only', 'serve UCP only to platforms in the registry or under --trusted-origins (UCPD_UCP_APPROVED_ONLY)')
    .option('--trusted-origins <origins>', 'platform origins trusted to be fetched, comma-separated (UCPD_UCP_TRUSTED_ORIGINS)')
    .option(
      '--test-payments',
      'always offer the test payment handler mock_payment_handler (success_token / fail_token): orders need no payment; by default it is offered only while the store holds the bundled demo catalog (UCPD_UCP_TEST_PAYMENTS=true|false)',
    )
    .option('--saved-addresses <mode>', "off (default) or by-email: offer and save a buyer's addresses by email, as the UCP reference store does (conformance runs only) (UCPD_UCP_SAVED_ADDRESSES)")
    .option('--connections-per-client <n>', 'open connections one client address may hold (UCPD_CONNECTIONS_PER_CLIENT, default 256; not applied to loopback peers or with --trust-proxy)')
    .option('--feed-limit <size>', 'largest feed upload through the admin API (UCPD_FEED_LIMIT, default 512mb)')
    .option('--feed-idle-timeout <seconds>', 'cut off a feed upload that sends nothing for this long (UCPD_FEED_IDLE_TIMEOUT, default 30)')
    .option('--max-line-quantity <n>', `largest quantity of one checkout or cart line (UCPD_UCP_MAX_LINE_QUANTITY, default ${DEFAULT_MAX_LINE_QUANTITY})`)
    .option('--simulation-secret <secret>', 'enable POST /testing/simulate-shipping/{id} for conformance runs, guarded by this secret (UCPD_UCP_SIMULATION_SECRET)')
    .option('--profile-fetch-allow <hosts>', 'hosts (host[:port]) platform profiles may be fetched from over http or at private addresses, for local testing (UCPD_UCP_FETCH_ALLOW_HOSTS)')
    .action(async (opts, cmd: Command) => {
      const all = cmd.optsWithGlobals();
      const config = configFrom({
        ...all,
        seedDemo: opts.seed === false ? 'false' : undefined,
        trustProxy: opts.trustProxy ? 'true' : undefined,
        signResponses: opts.signResponses === false ? 'false' : undefined,
        ucpRequireSignatures: opts.requireSignatures ? 'true' : undefined,
        ucpApprovedOnly: opts.approvedPlatformsOnly ? 'true' : undefined,
        ucpTrustedOrigins: opts.trustedOrigins,
        ucpFetchAllowHosts: opts.profileFetchAllow,
        ucpTestPayments: opts.testPayments ? 'true' : undefined,
        ucpSimulationSecret: opts.simulationSecret,
        ucpMaxLineQuantity: opts.maxLineQuantity,
        ucpSavedAddresses: opts.savedAddresses,
      });
      const logger = createLogger(config.logLevel);
      const store = openStore(config);
      if (config.seedDemo && (await isPristine(store))) {
        const report = await loadDemo(store);
        logger.info('seeded the demo catalog', { products: report.counts.products?.created ?? 0, ms: report.durationMs });
      }
      const running = await listen(config.port, config.host, undefined, config.tls);
      limitConnections(running.server, { perClient: config.connectionsPerClient, trustProxy: config.trustProxy });
      // With --port 0 the port, and so the default base URL, is known only now.
      const effective = config.baseUrlConfigured ? config : { ...config, baseUrl: localBaseUrl(config.host, running.port, Boolean(config.tls)) };
      const trust = await openTrust({ store, dataDir: config.dataDir, urls: new Urls(effective.baseUrl), clock: systemClock, logger });
      const app = createApp({ store, config: effective, clock: systemClock, logger, trust });
      running.server.on('request', app);
      installProcessBackstop(logger, app.faults);
      // the app's own jobs run already; a long-running server adds its upkeep (one list: src/jobs.ts)
      startJobs(app.jobs, 'server');
      if ((await app.ucp.payments.offered()).get('mock_payment_handler')) {
        const why = config.ucp.testPayments === 'always' ? 'UCPD_UCP_TEST_PAYMENTS=true' : 'the store holds the bundled demo catalog';
        logger.warn('TEST PAYMENTS ARE ON: any agent can place orders without paying (token success_token); never run a live store like this', { reason: why });
        process.stdout.write(`WARNING: test payments are on (${why}): orders need no payment. Import your catalog, or set UCPD_UCP_TEST_PAYMENTS=false.\n`);
      }
      const local = localBaseUrl(config.host, running.port, Boolean(config.tls));
      logger.info('listening', { url: local, baseUrl: effective.baseUrl, dataDir: config.dataDir, tls: Boolean(config.tls) });
      process.stdout.write(`ucpd serving on ${local} (data: ${config.dataDir})\n`);
      const stop = async (signal: string) => {
        logger.info('shutting down', { signal });
        app.close();
        await running.close();
        await store.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
