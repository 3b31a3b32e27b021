#!/usr/bin/env node
/**
 * The CLI: commander wiring only (STYLE rule 8). Each verb is one call into commands/, imported
 * lazily so `--help` and `--version` load nothing else; only this file sets process.exitCode.
 */
import { readFileSync } from 'node:fs';
import type { CommandIo } from './commands/io.js';
import { enableCompileCache } from './compile-cache.js';

// First, so that what loads next (commander, then the verb's code) comes from the cache.
enableCompileCache(process.env);
const { Command, Option } = await import('commander');

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const io = (): CommandIo => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
});

const configOption = () =>
  new Option('-c, --config <file>', 'config file (default: searched: pushagent.config.yaml, .pushagentrc*, package.json "pushagent", .config/pushagentrc* here, then ~/.config/pushagent/config.yaml)');

const program = new Command('pushagent')
  .description('Runs YAML checks and pushes their results to Prometheus Pushgateways.')
  .version(version, '-V, --version')
  .showHelpAfterError()
  .exitOverride((err) => {
    // commander's own usage errors (unknown option, missing argument) are exit 3, like ours.
    process.exit(err.exitCode === 0 ? 0 : 3);
  });

program
  .command('once')
  .version(version, '-V, --version')
  .description('run the checks once, push each result, print a summary line per check on stderr')
  .addOption(configOption())
  .option('--check <name>', 'run only this check (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--dry-run', 'print the exposition text each push would carry; push nothing')
  .action(async (opts: { config?: string; check: string[]; dryRun?: boolean }) => {
    const { once } = await import('./commands/once.js');
    process.exitCode = await once(opts, io());
  });

program
  .command('validate')
  .version(version, '-V, --version')
  .description('load the config and every check; print every problem as file:line:col, or a table of the checks')
  .addOption(configOption())
  .action(async (opts: { config?: string }) => {
    const { validate } = await import('./commands/validate.js');
    process.exitCode = await validate(opts, io());
  });

program
  .command('run')
  .version(version, '-V, --version')
  .description('run the checks on their schedules and keep the gateways current (a daemon; SIGHUP reloads, SIGTERM stops)')
  .addOption(configOption())
  .addOption(new Option('--log-level <level>', 'error, warn, info or debug').choices(['error', 'warn', 'info', 'debug']).default('info'))
  .action(async (opts: { config?: string; logLevel: 'error' | 'warn' | 'info' | 'debug' }) => {
    const { run } = await import('./commands/run.js');
    process.exitCode = await run(
      { config: opts.config, logLevel: opts.logLevel, version },
      { ...io(), json: !process.stderr.isTTY, on: (signal, handler) => process.on(signal, handler) },
    );
  });

program
  .command('delete')
  .version(version, '-V, --version')
  .description("delete every group of this job and instance from the gateways (decommissioning a host)")
  .addOption(configOption())
  .action(async (opts: { config?: string }) => {
    const { deleteGroups } = await import('./commands/delete.js');
    process.exitCode = await deleteGroups(opts, io());
  });

await program.parseAsync(process.argv);
