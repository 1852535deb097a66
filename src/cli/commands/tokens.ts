import type { Command } from 'commander';
import { SCOPES, createToken } from '../../auth/tokens.js';
import { UcpdError } from '../../errors.js';
import { systemClock } from '../../store/store.js';
import { configFrom, openStore } from '../context.js';
import { CommandFailed, UsageError } from '../errors.js';

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description("bearer tokens for the retailer's admin API (stored hashed, shown once)");

  tokens
    .command('create')
    .description('create a token and print it once')
    .requiredOption('--name <name>', 'what the token is for, e.g. "stock sync"')
    .option('--scope <scope...>', `scopes: ${SCOPES.join(', ')} (default admin)`)
    .option('--json', 'print as JSON')
    .action(async (opts, cmd: Command) => {
      const store = openStore(configFrom(cmd.optsWithGlobals()));
      try {
        const { token, secret } = await createToken(store, String(opts.name), opts.scope ?? [], systemClock).catch((err: unknown) => {
          if (err instanceof UcpdError) throw new UsageError(err.message);
          throw err;
        });
        if (opts.json) process.stdout.write(`${JSON.stringify({ ...token, token: secret }, null, 2)}\n`);
        else {
          process.stdout.write(`${secret}\n`);
          process.stderr.write(`created ${token.id} "${token.name}" with scopes ${token.scopes.join(', ')}; it will not be shown again\n`);
        }
      } finally {
        await store.close();
      }
    });

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print as JSON')
    .action(async (opts, cmd: Command) => {
      const store = openStore(configFrom(cmd.optsWithGlobals()));
      try {
        const list = await store.listTokens();
        if (opts.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else if (list.length === 0) process.stdout.write('no tokens; create one with `ucpd tokens create --name <name>`\n');
        else {
          for (const t of list) {
            const state = t.revokedAt ? `revoked ${t.revokedAt}` : t.lastUsedAt ? `last used ${t.lastUsedAt}` : 'never used';
            process.stdout.write(`${t.id}  ${t.name.padEnd(24)} ${t.scopes.join(',').padEnd(28)} created ${t.createdAt}  ${state}\n`);
          }
        }
      } finally {
        await store.close();
      }
    });

  tokens
    .command('revoke')
    .description('revoke a token by id; requests using it are refused from then on')
    .argument('<id>', 'token id (tok_...)')
    .action(async (id: string, _opts, cmd: Command) => {
      const store = openStore(configFrom(cmd.optsWithGlobals()));
      try {
        if (!(await store.revokeToken(id))) {
          process.stderr.write(`no active token ${id}\n`);
          throw new CommandFailed();
        }
        process.stdout.write(`revoked ${id}\n`);
      } finally {
        await store.close();
      }
    });
}
