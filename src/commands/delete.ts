/**
 * `pushagent delete`: deletes every group of this job and instance from every gateway
 * (decommissioning a host). Exit 0 when done, 2 when a gateway refused or could not be reached.
 */
import { resolveInstance } from '../host.js';
import { canonicalKey, describeKey, groupingKey, keyFromLabels, type GroupingKey } from '../sinks/grouping-key.js';
import { PushgatewaySink } from '../sinks/pushgateway.js';
import { redactSecrets } from '../log.js';
import { EXIT, type CommandIo } from './io.js';
import { loadOrReport, reportError } from './load-or-report.js';

export async function deleteGroups(opts: { config?: string | undefined }, io: CommandIo): Promise<number> {
  const loaded = await loadOrReport(opts.config, io);
  if (!loaded) return EXIT.invalid;
  const { config } = loaded;
  if (!config.pushgateway) {
    io.err('no pushgateway configured: nothing to delete\n');
    return EXIT.invalid;
  }
  let sink: PushgatewaySink;
  let instance: string;
  try {
    instance = await resolveInstance(config.instance);
    sink = await PushgatewaySink.create(config.pushgateway);
  } catch (err) {
    reportError(err, io);
    return EXIT.invalid;
  }
  const { job } = config.pushgateway;
  // Every group the gateway lists for this job and instance, plus the ones the current checks own
  // (deleting a group that does not exist is a no-op for the Pushgateway).
  const own = [
    groupingKey(job, instance, undefined, config.labels),
    ...loaded.checks.map((c) => groupingKey(job, instance, c.name, config.labels)),
  ];
  let failed = false;
  try {
    for (const base of config.pushgateway.url) {
      const gateway = redactSecrets(base);
      const keys = new Map<string, GroupingKey>(own.map((k) => [canonicalKey(k), k]));
      try {
        for (const labels of await sink.listGroups(base)) {
          if (labels.job === job && labels.instance === instance) keys.set(canonicalKey(keyFromLabels(labels)), keyFromLabels(labels));
        }
      } catch (err) {
        failed = true;
        io.err(`${(err as Error).message}\n`);
        continue;
      }
      for (const key of keys.values()) {
        const outcome = await sink.send(base, key, { method: 'DELETE' });
        if (outcome.ok) io.err(`deleted ${describeKey(key)} at ${gateway}\n`);
        else {
          failed = true;
          io.err(`${outcome.error}\n`);
        }
      }
    }
  } finally {
    await sink.close();
  }
  return failed ? EXIT.pushFailed : EXIT.ok;
}
