/**
 * `pushagent exec --job NAME -- CMD [ARGS...]`: runs a batch job (cron's, usually) as if pushagent
 * were not there — its stdin, stdout and stderr untouched, its exit status returned — and pushes
 * its outcome to every configured sink, merged into what the sink holds for the job so that a
 * failure never erases the time of the last success. pushagent writes nothing to stdout (the job's)
 * and, on stderr, only what went wrong: cron mails every line.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { deliver } from '../agent/deliver.js';
import { agentSchema } from '../config/agent-schema.js';
import { formatDuration } from '../common/duration.js';
import { GROUPING_LABELS, load, type AgentConfig } from '../config/load.js';
import { fileErrorReason } from '../errors.js';
import { resolveInstance } from '../host.js';
import { endFamilies, startFamilies } from '../job/families.js';
import { jobMetrics } from '../job/metrics-file.js';
import type { JobOutcome } from '../job/run-job.js';
import { createLogger } from '../log.js';
import { AgentStats } from '../metrics/agent-stats.js';
import type { MetricFamily } from '../metrics/types.js';
import { anySink, createSinks } from '../sinks/registry.js';
import type { Identity, Report } from '../sinks/sink.js';
import { EXIT, type CommandIo } from './io.js';
import { reportError } from './load-or-report.js';
import { MAX_OUTPUT_BYTES } from './once.js';

export interface ExecOptions {
  readonly job: string;
  /** The command and its arguments (after `--`). */
  readonly command: readonly string[];
  readonly instance?: boolean | undefined;
  readonly timeoutMs?: number | undefined;
  /** Default: the config's defaults.kill_grace. */
  readonly killGraceMs?: number | undefined;
  readonly startPush?: boolean | undefined;
  readonly strict?: boolean | undefined;
  readonly config?: string | undefined;
  readonly gateway?: string | undefined;
  readonly textfile?: string | undefined;
  readonly expectEveryMs?: number | undefined;
  readonly version?: string | undefined;
}

export interface ExecIo extends CommandIo {
  /** Process signals: TERM, INT and HUP are forwarded to the job. */
  readonly on: (signal: NodeJS.Signals, handler: () => void) => void;
}

export const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

const say = (io: CommandIo, text: string): void => io.err(`pushagent exec: ${text}\n`);

export async function exec(opts: ExecOptions, io: ExecIo): Promise<number> {
  // Signals first: one arriving before the job starts means it is not started at all.
  let forward: ((signal: NodeJS.Signals) => void) | undefined;
  let early: NodeJS.Signals | undefined;
  for (const signal of FORWARDED_SIGNALS) io.on(signal, () => (forward ? forward(signal) : (early ??= signal)));

  let config: AgentConfig;
  let identity: Identity;
  try {
    const loaded = await load({ configFile: opts.config, cwd: io.cwd, env: io.env, checks: false });
    const flagged = withFlags(loaded.config, opts, io.cwd);
    if (typeof flagged === 'string') {
      io.err(`${flagged}\n`);
      return EXIT.invalid;
    }
    config = flagged;
    identity = {
      job: opts.job,
      instance: opts.instance ? await resolveInstance(config.instance) : undefined,
      labels: config.labels,
    };
  } catch (err) {
    reportError(err, io);
    return EXIT.invalid;
  }

  const version = opts.version ?? '0.0.0';
  const printing = !anySink(config);
  // The sinks of each push are made and closed around it: remote_write sends at close in `once` mode.
  // Never throws: the job has run (or is running), and its exit status must come back whatever happens here.
  const push = async (report: Report): Promise<boolean> => {
    try {
      const log = createLogger({ level: 'error', json: false, write: () => {} });
      const sinks = await createSinks(config, {
        mode: 'once',
        dryRun: false,
        stdout: io.err,
        log,
        stats: new AgentStats(version),
        version,
      });
      if (printing)
        io.err(
          '# pushagent exec: no output configured (-c FILE, --gateway URL or --textfile DIR): what would be pushed\n',
        );
      if (sinks.length === 0)
        say(io, "no configured output takes a batch job's outcome (exporter serves `run` only): nothing pushed");
      const [outcomes] = await Promise.all([
        deliver(report, sinks),
        Promise.all(sinks.map((s) => s.close(config.shutdown_timeout))),
      ]);
      for (const o of outcomes) if (!o.ok) say(io, `push failed: ${o.error.message}`);
      return sinks.length > 0 && outcomes.every((o) => o.ok);
    } catch (err) {
      say(io, `push failed: ${(err as Error).message}`);
      return false;
    }
  };
  const expectedIntervalMs = opts.expectEveryMs;
  const reserved = [...GROUPING_LABELS, ...Object.keys(config.labels)];

  // No temporary file (a full or read-only /tmp) must not stop the job: it runs without one.
  let dir: string | undefined;
  let metricsFile: string | undefined;
  try {
    dir = await mkdtemp(path.join(tmpdir(), 'pushagent-exec-'));
    metricsFile = path.join(dir, 'metrics.prom');
    await (await open(metricsFile, 'w', 0o600)).close();
  } catch (err) {
    say(io, `cannot create PUSHAGENT_METRICS_FILE (${fileErrorReason(err)}): the job runs without it`);
    metricsFile = undefined;
  }
  try {
    if (early !== undefined) return 128 + (constants.signals[early] ?? 0);
    const { startJob } = await import('../job/run-job.js');
    const startedAtMs = Date.now();
    const job = startJob(
      {
        file: opts.command[0]!,
        args: opts.command.slice(1),
        env: metricsFile === undefined ? {} : { PUSHAGENT_METRICS_FILE: metricsFile },
      },
      { timeoutMs: opts.timeoutMs, killGraceMs: opts.killGraceMs ?? config.defaults.kill_grace },
    );
    forward = job.forward;
    // The job never waits for the start push; the outcome waits for it, so a gateway sees them in order.
    const started = opts.startPush
      ? push({
          identity,
          check: undefined,
          families: startFamilies({ startedAtMs, expectedIntervalMs }),
          timeMs: startedAtMs,
          merge: true,
          batchJob: true,
        })
      : Promise.resolve(true);
    const outcome = await job.done;
    const endedAtMs = Date.now();
    explain(outcome, opts, io);
    const own = metricsFile === undefined ? [] : await readJobMetrics(metricsFile, reserved, io);
    const families = [...endFamilies({ startedAtMs, endedAtMs, expectedIntervalMs, status: outcome.status }), ...own];
    // The outcome is pushed even when the start push failed.
    const startPushed = await started;
    const pushed = await push({ identity, check: undefined, families, timeMs: endedAtMs, merge: true, batchJob: true });
    return !(startPushed && pushed) && opts.strict && outcome.status === 0 ? EXIT.pushFailed : outcome.status;
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** On stderr, what the job's own output would not say: it could not start, or was killed at the timeout. */
function explain(outcome: JobOutcome, opts: ExecOptions, io: CommandIo): void {
  if (outcome.kind === 'not-started') say(io, `${outcome.reason} (exit status ${outcome.status})`);
  else if (outcome.timedOut)
    say(
      io,
      `job "${opts.job}" timed out after ${formatDuration(opts.timeoutMs!)}: its process group was killed (exit status ${outcome.status})`,
    );
}

/** The job's own figures; what cannot be pushed is said on stderr and left out. */
async function readJobMetrics(file: string, reserved: readonly string[], io: CommandIo): Promise<MetricFamily[]> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(MAX_OUTPUT_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_OUTPUT_BYTES) {
        say(io, `PUSHAGENT_METRICS_FILE is larger than ${MAX_OUTPUT_BYTES} bytes: none of its metrics are pushed`);
        return [];
      }
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    // The job may have removed or replaced it.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    say(io, `cannot read PUSHAGENT_METRICS_FILE: ${(err as Error).message}`);
    return [];
  }
  const { families, dropped } = jobMetrics(text, reserved);
  for (const why of dropped) say(io, `PUSHAGENT_METRICS_FILE ${why}; dropped`);
  return families;
}

/**
 * `--gateway URL` and `--textfile DIR` on top of the config: each replaces the URL (the directory) of
 * that output, keeping its other settings (auth, TLS, timeout) from the file; validated by the
 * file's own schema. A message for the user when a flag is invalid.
 */
function withFlags(config: AgentConfig, opts: ExecOptions, cwd: string): AgentConfig | string {
  if (opts.gateway === undefined && opts.textfile === undefined) return config;
  const raw = {
    ...(opts.gateway !== undefined ? { pushgateway: { url: opts.gateway } } : {}),
    ...(opts.textfile !== undefined ? { textfile: { directory: opts.textfile } } : {}),
  };
  const parsed = agentSchema.safeParse(raw);
  if (!parsed.success) {
    const iss = parsed.error.issues[0]!;
    return `${iss.path[0] === 'textfile' ? '--textfile' : '--gateway'}: ${iss.message}`;
  }
  const { pushgateway, textfile } = parsed.data;
  return {
    ...config,
    ...(pushgateway ? { pushgateway: { ...(config.pushgateway ?? pushgateway), url: pushgateway.url } } : {}),
    ...(textfile ? { textfile: { ...config.textfile, directory: path.resolve(cwd, textfile.directory) } } : {}),
  };
}
