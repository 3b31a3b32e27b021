/**
 * `pushagent delete`: removes what every output holds of this job and instance (decommissioning a
 * host): every group a gateway lists for them. Exit 0 when done, 2 when an output refused or could
 * not be reached.
 */
import { resolveInstance } from '../host.js';
import { createLogger } from '../log.js';
import { AgentStats } from '../metrics/agent-stats.js';
import { anySink, createSinks } from '../sinks/registry.js';
import type { Identity, Sink } from '../sinks/sink.js';
import { EXIT, type CommandIo } from './io.js';
import { loadOrReport, reportError } from './load-or-report.js';

export async function deleteGroups(
  opts: { config?: string | undefined; version?: string | undefined },
  io: CommandIo,
): Promise<number> {
  const loaded = await loadOrReport(opts.config, io);
  if (!loaded) return EXIT.invalid;
  const { config } = loaded;
  if (!anySink(config)) {
    io.err('no output configured: nothing to delete\n');
    return EXIT.invalid;
  }
  let identity: Identity;
  let sinks: Sink[];
  try {
    identity = { job: config.job, instance: await resolveInstance(config.instance), labels: config.labels };
    const version = opts.version ?? '0.0.0';
    const log = createLogger({ level: 'error', json: false, write: () => {} });
    sinks = await createSinks(config, {
      mode: 'once',
      dryRun: false,
      stdout: io.out,
      log,
      stats: new AgentStats(version),
      version,
    });
  } catch (err) {
    reportError(err, io);
    return EXIT.invalid;
  }
  let failed = false;
  try {
    for (const sink of sinks) {
      for (const o of await sink.purge(identity, { checks: [], agent: false })) {
        if (o.ok) io.err(`deleted ${o.subject ?? 'everything'} at ${o.target}\n`);
        else {
          failed = true;
          io.err(`${o.error.message}\n`);
        }
      }
    }
  } finally {
    await Promise.all(sinks.map((s) => s.close(config.shutdown_timeout)));
  }
  return failed ? EXIT.pushFailed : EXIT.ok;
}
