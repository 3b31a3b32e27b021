/**
 * `pushagent once`: one pass over the checks (all, or those named), run concurrently; each result
 * is pushed as soon as it is ready; one summary line per check on stderr.
 */
import { resultGroup } from '../agent/group.js';
import { runCheck, type CheckResult } from '../agent/run-check.js';
import { ProcessTable } from '../checks/process.js';
import { GROUPING_LABELS } from '../config/load.js';
import { formatDuration } from '../config/duration.js';
import { resolveInstance } from '../host.js';
import type { DeliveryOutcome, Sink } from '../sinks/sink.js';
import { stdoutSink } from '../sinks/stdout.js';
import { EXIT, type CommandIo } from './io.js';
import { loadOrReport, reportError } from './load-or-report.js';

export interface OnceOptions {
  readonly config?: string | undefined;
  readonly check?: readonly string[] | undefined;
  readonly dryRun?: boolean | undefined;
}

export const MAX_OUTPUT_BYTES = 1024 * 1024;

export async function once(opts: OnceOptions, io: CommandIo): Promise<number> {
  const loaded = await loadOrReport(opts.config, io);
  if (!loaded) return EXIT.invalid;
  const { config } = loaded;
  const wanted = opts.check ?? [];
  const unknown = wanted.filter((n) => !loaded.checks.some((c) => c.name === n));
  if (unknown.length > 0) {
    io.err(`unknown check${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known: ${loaded.checks.map((c) => c.name).join(', ') || 'none'}\n`);
    return EXIT.invalid;
  }
  const checks = wanted.length > 0 ? loaded.checks.filter((c) => wanted.includes(c.name)) : loaded.checks;

  let instance: string;
  let sink: Sink;
  try {
    instance = await resolveInstance(config.instance);
    if (opts.dryRun || !config.pushgateway) {
      if (!opts.dryRun) io.err('no pushgateway configured: printing what would be pushed to stdout\n');
      sink = stdoutSink(io.out);
    } else {
      // Loaded only to push: --dry-run and stdout need no HTTP client.
      const { PushgatewaySink } = await import('../sinks/pushgateway.js');
      sink = await PushgatewaySink.create(config.pushgateway);
    }
  } catch (err) {
    reportError(err, io);
    return EXIT.invalid;
  }

  const target = { job: config.pushgateway?.job ?? 'pushagent', instance, labels: config.labels };
  const deps = {
    maxOutputBytes: MAX_OUTPUT_BYTES,
    processes: new ProcessTable(),
    reservedLabels: [...GROUPING_LABELS, ...Object.keys(config.labels)],
  };
  const width = Math.max(0, ...checks.map((c) => c.name.length));
  let checkFailed = false;
  let pushFailed = false;
  // Checks run concurrently; a gateway gets each result as soon as it is ready, while stdout gets
  // them in check order so the printed text is deterministic.
  const ordered = opts.dryRun || !config.pushgateway;
  const running = checks.map((def) => runCheck(def, deps));
  const deliver = async (pending: Promise<CheckResult>): Promise<void> => {
    const result = await pending;
    const { key, body } = resultGroup(result, target);
    const outcomes = await sink.write(key, body);
    checkFailed ||= !result.success;
    pushFailed ||= outcomes.some((o) => !o.ok);
    io.err(summary(result, outcomes, width));
  };
  try {
    if (ordered) for (const pending of running) await deliver(pending);
    else await Promise.all(running.map(deliver));
  } finally {
    await sink.close();
  }
  return pushFailed ? EXIT.pushFailed : checkFailed ? EXIT.checkFailed : EXIT.ok;
}

function summary(r: CheckResult, outcomes: readonly DeliveryOutcome[], width: number): string {
  const status = r.success ? 'ok' : r.timedOut ? 'TIMEOUT' : 'FAIL';
  const took = formatDuration(Math.round(r.durationSeconds * 1000));
  const what = r.success ? '' : `  ${r.error}`;
  const pushed = outcomes
    .map((o) => (o.ok ? (o.target === 'stdout' ? '' : `  pushed to ${o.target}`) : `\n  push failed: ${o.error}`))
    .join('');
  return `${status.padEnd(7)} ${r.check.name.padEnd(width)}  ${took.padStart(6)}${what}${pushed}\n`;
}
