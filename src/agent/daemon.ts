/**
 * `pushagent run`: the pipeline of `once` driven by a scheduler, with a queue per gateway, the
 * agent's own health group, reload (SIGHUP) and graceful stop. Effects come in through options.
 */
import { GROUPING_LABELS, load, type LoadOptions, type Loaded } from '../config/load.js';
import { ProcessTable } from '../checks/process.js';
import type { CheckDef } from '../config/check-def.js';
import { ConfigError, formatProblem, PushagentError } from '../errors.js';
import { serialize } from '../expose/text.js';
import { resolveInstance } from '../host.js';
import type { Logger } from '../log.js';
import { AgentStats } from '../metrics/agent-stats.js';
import { canonicalKey, describeKey, groupingKey, type GroupingKey } from '../sinks/grouping-key.js';
import { PushgatewaySink } from '../sinks/pushgateway.js';
import { resultGroup, type PushTarget } from './group.js';
import { gatewayOutlet, stdoutOutlet, type Outlet } from './outlet.js';
import { runCheck } from './run-check.js';
import { Scheduler } from './scheduler.js';
import { staleGroups } from './stale-groups.js';

export interface DaemonOptions extends LoadOptions {
  readonly log: Logger;
  readonly version: string;
  readonly stdout: (text: string) => void;
  readonly maxOutputBytes: number;
}

/** What a configuration turns into; rebuilt whole when the grouping key or the gateways change. */
interface Wiring {
  readonly loaded: Loaded;
  readonly target: PushTarget;
  readonly sink: PushgatewaySink | undefined;
  readonly outlets: readonly Outlet[];
}

export class Daemon {
  readonly #opts: DaemonOptions;
  readonly #log: Logger;
  readonly #stats: AgentStats;
  readonly #scheduler: Scheduler;
  readonly #processes = new ProcessTable();
  #wiring: Wiring | undefined;
  #agentTimer: NodeJS.Timeout | undefined;

  private constructor(opts: DaemonOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    this.#stats = new AgentStats(opts.version);
    this.#scheduler = new Scheduler({
      run: (def, due) => this.#run(def, due),
      skipped: (def, streak) => {
        this.#stats.slotSkipped(def.name);
        if (streak === 1) this.#log.warn('previous run still going: slot skipped (warned once per streak)', { check: def.name });
      },
      error: (def, err) => this.#log.error('internal error in a scheduled run', { check: def.name, error: String(err) }),
    });
  }

  /** Loads and starts; throws ConfigError or InstanceError when the configuration is unusable. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(opts);
    const wiring = await daemon.#wire(await load(opts));
    daemon.#wiring = wiring;
    wiring.loaded.checks.forEach((def) => daemon.#scheduler.add(def));
    daemon.#startAgentGroup();
    void daemon.#removeStaleGroups();
    opts.log.info('started', {
      checks: wiring.loaded.checks.length,
      instance: wiring.target.instance,
      outputs: wiring.outlets.map((o) => o.target).join(' '),
    });
    return daemon;
  }

  /**
   * SIGHUP: reload config and checks. When anything is invalid, every problem is logged as
   * `validate` prints it and the running configuration stays. Otherwise added checks start,
   * removed ones stop and their groups are deleted, unchanged ones keep their schedule.
   */
  async reload(): Promise<boolean> {
    let next: Loaded;
    try {
      next = await load(this.#opts);
    } catch (err) {
      if (!(err instanceof PushagentError)) throw err;
      const problems = err instanceof ConfigError ? err.problems.map(formatProblem) : [err.message];
      for (const p of problems) this.#log.error(p);
      this.#log.error('reload failed: keeping the running configuration', { problems: problems.length });
      this.#stats.reload('failure');
      return false;
    }
    const current = this.#wiring!;
    if (wiringKey(current.loaded) !== wiringKey(next)) {
      this.#log.info('gateways or grouping labels changed: restarting every check under the new configuration');
      await this.#scheduler.stop();
      const wiring = await this.#wire(next);
      const kept = new Set(this.#ownKeys(wiring).map(canonicalKey));
      await this.#retire(current, this.#ownKeys(current).filter((k) => !kept.has(canonicalKey(k))));
      this.#wiring = wiring;
      this.#startAgentGroup();
      this.#scheduler.restart();
      next.checks.forEach((def) => this.#scheduler.add(def));
    } else {
      const before = new Map(current.loaded.checks.map((c) => [c.name, c]));
      const after = new Map(next.checks.map((c) => [c.name, c]));
      const counts = { added: 0, removed: 0, changed: 0, unchanged: 0 };
      for (const [name] of before) {
        if (after.has(name)) continue;
        counts.removed += 1;
        void this.#scheduler.remove(name);
        this.#stats.forget(name);
        this.#publish(this.#checkKey(name), { method: 'DELETE' });
      }
      this.#wiring = { ...current, loaded: next };
      for (const [name, def] of after) {
        const old = before.get(name);
        if (old && sameCheck(old, def)) {
          counts.unchanged += 1;
          continue;
        }
        counts[old ? 'changed' : 'added'] += 1;
        this.#scheduler.add(def);
      }
      this.#log.info('reloaded', counts);
    }
    this.#stats.reload('success');
    void this.#removeStaleGroups();
    return true;
  }

  /**
   * SIGTERM/SIGINT: stop scheduling, let running checks finish (their timeouts bound that), push
   * the agent group once more, optionally delete this instance's groups, flush within
   * `shutdown_timeout`.
   */
  async stop(): Promise<void> {
    clearInterval(this.#agentTimer);
    await this.#scheduler.stop();
    const wiring = this.#wiring!;
    this.#publishAgentGroup();
    await this.#retire(wiring, wiring.loaded.config.deleteOnShutdown ? this.#ownKeys(wiring) : []);
    this.#log.info('stopped');
  }

  /** Queues deletes of `remove`, flushes within shutdown_timeout and closes the outputs. */
  async #retire(wiring: Wiring, remove: readonly GroupingKey[]): Promise<void> {
    for (const key of remove) for (const o of wiring.outlets) o.enqueue(key, { method: 'DELETE' });
    const timeoutMs = wiring.loaded.config.shutdownTimeoutMs;
    const flushed = await Promise.all(wiring.outlets.map((o) => o.flush(timeoutMs)));
    wiring.outlets.forEach((o, i) => {
      if (!flushed[i]) this.#log.warn('shutdown timeout reached: pushes not delivered', { gateway: o.target, waiting: o.size });
      o.close();
    });
    await wiring.sink?.close();
  }

  async #wire(loaded: Loaded): Promise<Wiring> {
    const { config } = loaded;
    const instance = await resolveInstance(config.instance);
    const target = { job: config.pushgateway?.job ?? 'pushagent', instance, labels: config.labels };
    if (!config.pushgateway) {
      this.#log.warn('no pushgateway configured: writing what would be pushed to stdout');
      return { loaded, target, sink: undefined, outlets: [stdoutOutlet(this.#opts.stdout)] };
    }
    const sink = await PushgatewaySink.create(config.pushgateway);
    const { max_backoff: maxBackoffMs } = config.pushgateway;
    const outlets = config.pushgateway.url.map((base) =>
      gatewayOutlet({ sink, base, maxBackoffMs, log: this.#log, stats: this.#stats, onUp: () => void this.#removeStaleGroups(base) }),
    );
    return { loaded, target, sink, outlets };
  }

  async #run(def: CheckDef, dueMs: number): Promise<void> {
    const lateness = Math.max(0, Date.now() - dueMs) / 1000;
    const { config } = this.#wiring!.loaded;
    const result = await runCheck(def, {
      maxOutputBytes: this.#opts.maxOutputBytes,
      processes: this.#processes,
      reservedLabels: [...GROUPING_LABELS, ...Object.keys(config.labels)],
    });
    this.#stats.checkRun(def.name, result.success ? 'success' : result.timedOut ? 'timeout' : 'failure', lateness);
    if (result.success) this.#log.debug('check ok', { check: def.name, duration_seconds: result.durationSeconds, lateness_seconds: lateness });
    else this.#log.warn(result.timedOut ? 'check timed out' : 'check failed', { check: def.name, reason: result.error, exit_code: result.exitCode, lateness_seconds: lateness });
    // The check may have been removed or replaced by a reload while it ran: its result is stale then.
    const current = this.#wiring!.loaded.checks.find((c) => c.name === def.name);
    if (!current || !sameCheck(current, def)) return;
    const { key, body } = resultGroup(result, this.#wiring!.target);
    this.#publish(key, { method: config.pushgateway?.method === 'post' ? 'POST' : 'PUT', body });
  }

  #publish(key: GroupingKey, op: Parameters<Outlet['enqueue']>[1]): void {
    for (const o of this.#wiring!.outlets) o.enqueue(key, op);
  }

  #checkKey(name: string, wiring: Wiring = this.#wiring!): GroupingKey {
    const { job, instance, labels } = wiring.target;
    return groupingKey(job, instance, name, labels);
  }

  #agentKey(wiring: Wiring = this.#wiring!): GroupingKey {
    const { job, instance, labels } = wiring.target;
    return groupingKey(job, instance, undefined, labels);
  }

  #ownKeys(wiring: Wiring): GroupingKey[] {
    return [this.#agentKey(wiring), ...wiring.loaded.checks.map((c) => this.#checkKey(c.name, wiring))];
  }

  #startAgentGroup(): void {
    clearInterval(this.#agentTimer);
    this.#publishAgentGroup();
    const every = this.#wiring!.loaded.config.defaults.intervalMs;
    this.#agentTimer = setInterval(() => this.#publishAgentGroup(), every);
  }

  #publishAgentGroup(): void {
    this.#publish(this.#agentKey(), { method: 'PUT', body: serialize(this.#stats.families()) });
  }

  /** Deletes groups of this job and instance that no current check owns, at every gateway (or one). */
  async #removeStaleGroups(only?: string): Promise<void> {
    const wiring = this.#wiring!;
    if (!wiring.sink) return;
    const { job, instance } = wiring.target;
    for (const [i, base] of wiring.loaded.config.pushgateway!.url.entries()) {
      if (only !== undefined && base !== only) continue;
      let listed: Record<string, string>[];
      try {
        listed = await wiring.sink.listGroups(base);
      } catch (err) {
        this.#log.debug('cannot list groups yet; will look again when the gateway answers', { gateway: wiring.outlets[i]!.target, error: (err as Error).message });
        continue;
      }
      for (const key of staleGroups(listed, job, instance, this.#ownKeys(wiring))) {
        this.#log.info('deleting a stale group no check owns', { gateway: wiring.outlets[i]!.target, group: describeKey(key) });
        wiring.outlets[i]!.enqueue(key, { method: 'DELETE' });
      }
    }
  }
}

/** What forces a full rebuild: the gateways, their settings, and the grouping key. */
function wiringKey(l: Loaded): string {
  const { pushgateway, instance, labels } = l.config;
  return JSON.stringify({ pushgateway, instance, labels });
}

/** Equal but for where the check is written (the same object on every run until a reload). */
function sameCheck(a: CheckDef, b: CheckDef): boolean {
  if (a === b) return true;
  const strip = ({ file: _f, line: _l, col: _c, ...rest }: CheckDef) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
