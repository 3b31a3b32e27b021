#!/usr/bin/env node
/**
 * The CLI: commander wiring only (STYLE rule 8). Each verb is one call into commands/, imported
 * lazily so `--help` and `--version` load nothing else; only this file sets process.exitCode.
 */
import { readFileSync } from 'node:fs';
import type { CommandIo } from './commands/io.js';
import { enableCompileCache } from './compile-cache.js';
import { parseDuration } from './common/duration.js';

// First, so that what loads next (commander, then the verb's code) comes from the cache.
enableCompileCache(process.env);
const { Command, InvalidArgumentError, Option } = await import('commander');

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const io = (): CommandIo => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
});

/** A whole number of at least 1, for options such as --concurrency. */
function wholeNumber(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number of at least 1, got "${text}"`);
  return n;
}

/** A duration such as 30s, 1m30s or 25h, in milliseconds. */
function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new InvalidArgumentError(`expected a duration like 500ms, 30s, 1m30s or 25h, got "${text}"`);
  return ms;
}

const configOption = () =>
  new Option(
    '-c, --config <file>',
    'config file (default: searched: pushagent.config.yaml, .pushagentrc*, package.json "pushagent", .config/pushagentrc* here, then ~/.config/pushagent/config.yaml)',
  );

// `run`: signals that arrive before the daemon has installed its own handlers (while its code
// loads, its config loads, `hostname -f` answers) are kept and handed over, not fatal.
const early = new Set<NodeJS.Signals>();
const keep = (signal: NodeJS.Signals): void => void early.add(signal);
if (process.argv[2] === 'run') for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) process.on(signal, keep);

const program = new Command('pushagent')
  .description('Runs YAML checks and sends their results to Prometheus: Pushgateways, remote_write receivers.')
  .version(version, '-V, --version')
  .showHelpAfterError()
  // `exec` passes everything after the job's command to it, its options included.
  .enablePositionalOptions()
  .exitOverride((err) => {
    // commander's own usage errors (unknown option, missing argument) are exit 3, like ours.
    process.exit(err.exitCode === 0 ? 0 : 3);
  });

program
  .command('once')
  .version(version, '-V, --version')
  .description('run the checks once, send each result to every output, print a summary line per check on stderr')
  .addOption(configOption())
  .option(
    '--check <name>',
    'run only this check (repeatable)',
    (v: string, prev: string[]) => [...prev, v],
    [] as string[],
  )
  .option('--dry-run', 'print what each output would get (exposition text, remote-write series); send nothing')
  .addOption(new Option('--concurrency <n>', 'checks running at once').default(32).argParser(wholeNumber))
  .action(async (opts: { config?: string; check: string[]; dryRun?: boolean; concurrency: number }) => {
    const { once } = await import('./commands/once.js');
    process.exitCode = await once({ ...opts, version }, io());
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
  .description(
    'run the checks on their schedules and keep the gateways current (a daemon; SIGHUP reloads, SIGTERM stops)',
  )
  .addOption(configOption())
  .addOption(
    new Option('--log-level <level>', 'error, warn, info or debug')
      .choices(['error', 'warn', 'info', 'debug'])
      .default('info'),
  )
  .action(async (opts: { config?: string; logLevel: 'error' | 'warn' | 'info' | 'debug' }) => {
    const { run } = await import('./commands/run.js');
    const on = (signal: NodeJS.Signals, handler: () => void): void => {
      process.on(signal, handler);
      process.off(signal, keep);
      if (early.delete(signal)) handler();
    };
    process.exitCode = await run(
      { config: opts.config, logLevel: opts.logLevel, version },
      { ...io(), json: !process.stderr.isTTY, on },
    );
  });

program
  .command('delete')
  .version(version, '-V, --version')
  .description('remove what every output holds of this job and instance (decommissioning a host)')
  .addOption(configOption())
  .action(async (opts: { config?: string }) => {
    const { deleteGroups } = await import('./commands/delete.js');
    process.exitCode = await deleteGroups({ ...opts, version }, io());
  });

program
  .command('exec')
  .version(version, '-V, --version')
  .description(
    "run a batch job (cron's) as if pushagent were not there, and push its outcome: exit code, duration, last success time",
  )
  .usage('--job NAME [options] -- CMD [ARGS...]')
  .argument('<command...>', 'the job: a program and its arguments (no shell: write sh -c "..." for one)')
  .passThroughOptions()
  .requiredOption('--job <name>', 'the job label, and the grouping key job/<name> at a Pushgateway')
  .option(
    '--instance',
    "add instance=<this host's FQDN> (a job tied to this machine); default none (a service-level job)",
  )
  .addOption(
    new Option(
      '--timeout <duration>',
      "kill the job's process group after this long (SIGTERM, --kill-grace, SIGKILL); default none",
    ).argParser(durationMs),
  )
  .addOption(
    new Option(
      '--kill-grace <duration>',
      "after SIGTERM at the timeout, how long until SIGKILL (default: the config's defaults.kill_grace, 2s)",
    ).argParser(durationMs),
  )
  .option('--start-push', 'also push pushagent_job_running 1 and the start time when the job starts')
  .addOption(
    new Option(
      '--expect-every <duration>',
      'how often the job should succeed, pushed for the alert PushagentJobNotSucceeding (e.g. 25h for a daily job)',
    ).argParser(durationMs),
  )
  .option('--strict', "exit 2 when the job succeeded but a push failed (default: always the job's exit status)")
  .addOption(configOption())
  .option('--gateway <url>', "push to this Pushgateway (instead of the config's pushgateway.url)")
  .option(
    '--textfile <dir>',
    "write to node_exporter's textfile collector directory (instead of the config's textfile.directory)",
  )
  .action(
    async (
      command: string[],
      opts: {
        job: string;
        instance?: boolean;
        timeout?: number;
        killGrace?: number;
        startPush?: boolean;
        expectEvery?: number;
        strict?: boolean;
        config?: string;
        gateway?: string;
        textfile?: string;
      },
    ) => {
      const { exec } = await import('./commands/exec.js');
      const on = (signal: NodeJS.Signals, handler: () => void): void => void process.on(signal, handler);
      process.exitCode = await exec(
        {
          ...opts,
          command,
          timeoutMs: opts.timeout,
          killGraceMs: opts.killGrace,
          expectEveryMs: opts.expectEvery,
          version,
        },
        { ...io(), on },
      );
    },
  );

await program.parseAsync(process.argv);
