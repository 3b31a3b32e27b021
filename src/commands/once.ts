/**
 * `pushagent once`: one pass over the checks (all, or those named), at most `--concurrency` at a
 * time; every configured sink gets each result (a gateway as soon as it is ready; remote_write one
 * request at the end); one summary line per check on stderr.
 */
import { deliver, reportOf } from '../agent/deliver.js';
import { limited } from '../agent/limit.js';
import { runCheck, type CheckResult } from '../agent/run-check.js';
import { ProcessTable } from '../checks/process.js';
import { formatDuration } from '../common/duration.js';
import { GROUPING_LABELS } from '../config/load.js';
import { resolveInstance } from '../host.js';
import { createLogger } from '../log.js';
import { AgentStats } from '../metrics/agent-stats.js';
import { anySink, createSinks } from '../sinks/registry.js';
import type { DeliveryOutcome, Identity, Sink } from '../sinks/sink.js';
import { EXIT, type CommandIo } from './io.js';
import { loadOrReport, reportError } from './load-or-report.js';

export interface OnceOptions {
  readonly config?: string | undefined;
  readonly check?: readonly string[] | undefined;
  readonly dryRun?: boolean | undefined;
  /** Checks running at once (default DEFAULT_CONCURRENCY). */
  readonly concurrency?: number | undefined;
  readonly version?: string | undefined;
}

export const MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_CONCURRENCY = 32;

export async function once(opts: OnceOptions, io: CommandIo): Promise<number> {
  const loaded = await loadOrReport(opts.config, io);
  if (!loaded) return EXIT.invalid;
  const { config } = loaded;
  const wanted = opts.check ?? [];
  const unknown = wanted.filter((n) => !loaded.checks.some((c) => c.name === n));
  if (unknown.length > 0) {
    io.err(
      `unknown check${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known: ${loaded.checks.map((c) => c.name).join(', ') || 'none'}\n`,
    );
    return EXIT.invalid;
  }
  const checks = wanted.length > 0 ? loaded.checks.filter((c) => wanted.includes(c.name)) : loaded.checks;
  const version = opts.version ?? '0.0.0';
  const printing = opts.dryRun === true || !anySink(config);

  let identity: Identity;
  let sinks: Sink[];
  try {
    identity = { job: config.job, instance: await resolveInstance(config.instance), labels: config.labels };
    if (!opts.dryRun && printing) io.err('no output configured: printing what would be pushed to stdout\n');
    // Failures come back as outcomes and summary lines; the sinks' own log stays quiet.
    const log = createLogger({ level: 'error', json: false, write: () => {} });
    sinks = await createSinks(config, {
      mode: 'once',
      dryRun: opts.dryRun === true,
      stdout: io.out,
      log,
      stats: new AgentStats(version),
      version,
    });
    if (sinks.length === 0)
      io.err('exporter: /metrics is served by `pushagent run` only; `once` has no output to send results to\n');
  } catch (err) {
    reportError(err, io);
    return EXIT.invalid;
  }

  const deps = {
    maxOutputBytes: MAX_OUTPUT_BYTES,
    processes: new ProcessTable(),
    reservedLabels: [...GROUPING_LABELS, ...Object.keys(config.labels)],
  };
  const running = limited(checks, opts.concurrency ?? DEFAULT_CONCURRENCY, (def) => runCheck(def, deps));
  const width = Math.max(0, ...checks.map((c) => c.name.length));
  let checkFailed = false;
  let pushFailed = false;
  const report = (result: CheckResult, outcomes: readonly DeliveryOutcome[]): void => {
    checkFailed ||= !result.success;
    pushFailed ||= outcomes.some((o) => !o.ok);
    io.err(summary(result, outcomes, width));
  };
  let closing: Promise<unknown> | undefined;
  const closeAll = (): Promise<unknown> =>
    (closing ??= Promise.all(sinks.map((s) => s.close(config.shutdown_timeout))));
  try {
    if (printing) {
      // Printed in check order, so that the text is deterministic.
      for (const pending of running) {
        const result = await pending;
        report(result, await deliver(reportOf(result, identity), sinks));
      }
    } else {
      // Each result goes out as soon as it is ready; a sink that batches (remote_write) sends at close.
      const delivered = await Promise.all(
        running.map(async (pending) => {
          const result = await pending;
          return { result, outcomes: deliver(reportOf(result, identity), sinks).then((o) => report(result, o)) };
        }),
      );
      await Promise.all([closeAll(), ...delivered.map((d) => d.outcomes)]);
    }
  } finally {
    await closeAll();
  }
  return pushFailed ? EXIT.pushFailed : checkFailed ? EXIT.checkFailed : EXIT.ok;
}

function summary(r: CheckResult, outcomes: readonly DeliveryOutcome[], width: number): string {
  const status = r.success ? 'ok' : r.timedOut ? 'TIMEOUT' : 'FAIL';
  const took = formatDuration(Math.round(r.durationSeconds * 1000));
  const what = r.success ? '' : `  ${r.error}`;
  const pushed = outcomes
    .map((o) =>
      o.ok ? (o.target === 'stdout' ? '' : `  pushed to ${o.target}`) : `\n  push failed: ${o.error.message}`,
    )
    .join('');
  return `${status.padEnd(7)} ${r.check.name.padEnd(width)}  ${took.padStart(6)}${what}${pushed}\n`;
}
