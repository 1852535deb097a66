#!/usr/bin/env node
/** `ucpd`: exit 0 on success, 1 when a command fails, 2 for usage errors (bad flags, bad configuration). */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { ucpdVersion } from '../paths.js';
import { registerCheck } from './commands/check.js';
import { registerDemo } from './commands/demo.js';
import { registerImport } from './commands/import.js';
import { registerQuality } from './commands/quality.js';
import { registerServe } from './commands/serve.js';
import { registerTokens } from './commands/tokens.js';
import { registerTrust } from './commands/trust.js';
import { CommandFailed, UsageError } from './errors.js';

export function buildProgram(): Command {
  const version = ucpdVersion();
  const program = new Command('ucpd')
    .description('ucpd: the merchant server AI shopping agents read (JSON-LD catalog, verifiable credentials, UCP)')
    .version(version)
    .option('--data-dir <dir>', 'data directory holding the database and keys (UCPD_DATA_DIR, default ./data)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureHelp({ sortSubcommands: false });
  registerServe(program);
  registerImport(program);
  registerQuality(program);
  registerDemo(program);
  registerTokens(program);
  registerTrust(program);
  registerCheck(program);
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`ucpd: ${err.message}\n`);
      return 2;
    }
    if (err instanceof CommandFailed) {
      if (err.message) process.stderr.write(`ucpd: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`ucpd: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv);
// `serve` keeps running: only set the code; commands that finished exit when the event loop drains.
process.exitCode = code;
