/**
 * `pushagent run`: the pipeline of `once` driven by a scheduler, with every configured sink (each
 * queues and retries by its own policy), the agent's own metrics, reload (SIGHUP) and graceful stop.
 * Effects come in through options.
 */
import { ProcessTable } from '../checks/process.js';
import type { CheckDef } from '../config/check-def.js';
import { GROUPING_LABELS, load, type LoadOptions, type Loaded } from '../config/load.js';
import { tellUser } from '../errors.js';
import { resolveInstance } from '../host.js';
import type { Logger } from '../log.js';
import { AgentStats } from '../metrics/agent-stats.js';
import { SINKS } from '../sinks/registry.js';
import type { Identity, Keep, Sink, SinkContext, SinkKind } from '../sinks/sink.js';
import { agentReport, deliver, reportOf } from './deliver.js';
import { planReload, sameCheck } from './reload-plan.js';
import { tickOf } from './tick.js';
import { runCheck } from './run-check.js';
import { Scheduler } from './scheduler.js';
import { phaseMs } from './splay.js';

export interface DaemonOptions extends LoadOptions {
  readonly log: Logger;
  readonly version: string;
  readonly stdout: (text: string) => void;
  readonly maxOutputBytes: number;
}

/** One configured output: its settings (with the identity, to tell a change on reload) and its sinks. */
interface Output {
  /** The config key (the sink table's row), or `stdout`. */
  readonly name: string;
  readonly key: string;
  readonly sinks: readonly Sink[];
}

/** What a configuration turns into. */
interface Wiring {
  readonly loaded: Loaded;
  readonly identity: Identity;
  readonly outputs: readonly Output[];
  readonly sinks: readonly Sink[];
  /** The checks' tick (src/agent/tick.ts): a host-grouped gateway PUTs at most once per tick. */
  readonly tickMs: number;
}

const KEEP_NOTHING: Keep = { checks: [], agent: false };

export class Daemon {
  readonly #opts: DaemonOptions;
  readonly #log: Logger;
  readonly #stats: AgentStats;
  readonly #scheduler: Scheduler;
  readonly #processes = new ProcessTable();
  #wiring: Wiring | undefined;
  #agentTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  /** Aborted on stop: a reload still waiting (for `hostname -f`) gives up rather than hold the exit. */
  readonly #stopped = new AbortController();

  private constructor(opts: DaemonOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    this.#stats = new AgentStats(opts.version);
    this.#scheduler = new Scheduler({
      run: (def, due) => this.#run(def, due),
      skipped: (def, streak) => {
        this.#stats.slotSkipped(def.name);
        if (streak === 1)
          this.#log.warn('previous run still going: slot skipped (warned once per streak)', { check: def.name });
      },
      error: (def, err) =>
        this.#log.error('internal error in a scheduled run', { check: def.name, error: String(err) }),
    });
  }

  /** Loads and starts; throws ConfigError or InstanceError when the configuration is unusable. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(opts);
    const wiring = await daemon.#wire(await load(opts), []);
    daemon.#wiring = wiring;
    wiring.loaded.checks.forEach((def) => daemon.#add(def));
    daemon.#startAgentGroup();
    daemon.#purge(wiring);
    opts.log.info('started', {
      checks: wiring.loaded.checks.length,
      instance: wiring.identity.instance,
      outputs: wiring.sinks.map((s) => s.target).join(' '),
    });
    return daemon;
  }

  /**
   * SIGHUP: reload config and checks. When anything is invalid, every problem is logged as
   * `validate` prints it and the running configuration stays. Otherwise added checks start,
   * removed ones stop and what the sinks hold of them goes, unchanged ones keep their schedule;
   * outputs whose settings changed are replaced.
   */
  async reload(): Promise<void> {
    const current = this.#wiring!;
    let next: Loaded;
    let wiring: Wiring;
    try {
      next = await load(this.#opts);
      // Its identity too (`hostname -f`) and the outputs whose settings changed: any of it may fail.
      wiring = await this.#wire(next, current.outputs);
    } catch (err) {
      if (this.#stopping) return;
      const problems = tellUser(err, (line) => this.#log.error(line));
      this.#log.error('reload failed: keeping the running configuration', { problems });
      this.#stats.reload('failure');
      return;
    }
    if (this.#stopping) {
      await this.#retire(
        wiring.outputs.filter((o) => !current.outputs.includes(o)),
        current.identity,
        () => undefined,
      );
      return;
    }
    const sameIdentity = JSON.stringify(wiring.identity) === JSON.stringify(current.identity);
    const replaced = current.outputs.filter((o) => !wiring.outputs.includes(o));
    if (!sameIdentity) {
      // Every series changes its labels: start over, and clear what the old identity left behind.
      this.#log.info('job, instance or labels changed: restarting every check under the new identity');
      await this.#scheduler.stop();
      this.#wiring = wiring;
      await this.#retire(current.outputs, current.identity, () => KEEP_NOTHING);
      this.#scheduler.restart();
      next.checks.forEach((def) => this.#add(def));
    } else {
      const plan = planReload(current.loaded.checks, next.checks);
      this.#wiring = wiring;
      for (const name of plan.removed) {
        void this.#scheduler.remove(name);
        this.#stats.forget(name);
        for (const sink of wiring.sinks) void sink.remove(wiring.identity, name);
      }
      for (const def of [...plan.added, ...plan.changed]) this.#add(def);
      // An output whose settings changed: its old sinks send what waits, and a destination no
      // longer configured is cleared of this instance.
      const kept = new Set(wiring.sinks.map((s) => s.target));
      await this.#retire(replaced, current.identity, (s) => (kept.has(s.target) ? undefined : KEEP_NOTHING));
      this.#log.info('reloaded', {
        added: plan.added.length,
        removed: plan.removed.length,
        changed: plan.changed.length,
        unchanged: plan.unchanged,
      });
    }
    this.#startAgentGroup();
    this.#stats.reload('success');
    this.#purge(this.#wiring);
  }

  /**
   * SIGTERM/SIGINT: stop scheduling, let running checks finish (their timeouts bound that), send
   * the agent's metrics once more, optionally remove this instance's groups, and let every sink
   * send what waits within `shutdown_timeout`.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopped.abort();
    clearInterval(this.#agentTimer);
    await this.#scheduler.stop();
    const wiring = this.#wiring!;
    this.#publishAgentGroup();
    const keep = wiring.loaded.config.delete_on_shutdown ? KEEP_NOTHING : undefined;
    await this.#retire(wiring.outputs, wiring.identity, () => keep);
    this.#log.info('stopped');
  }

  /**
   * Closes `outputs` within shutdown_timeout; a sink for which `keepOf` says what to keep is purged of the rest first.
   */
  async #retire(outputs: readonly Output[], identity: Identity, keepOf: (s: Sink) => Keep | undefined): Promise<void> {
    const timeoutMs = this.#wiring!.loaded.config.shutdown_timeout;
    await Promise.all(
      outputs
        .flatMap((o) => o.sinks)
        .map(async (sink) => {
          const k = keepOf(sink);
          if (k) await sink.purge(identity, k);
          await sink.close(timeoutMs);
        }),
    );
  }

  /** The identity and sinks of `loaded`, reusing each of `previous` whose settings are unchanged. */
  async #wire(loaded: Loaded, previous: readonly Output[]): Promise<Wiring> {
    const { config } = loaded;
    const instance = await resolveInstance(config.instance, this.#stopped.signal);
    const identity: Identity = { job: config.job, instance, labels: config.labels };
    const tickMs = tickOf(loaded.checks);
    const ctx: SinkContext = {
      mode: 'run',
      dryRun: false,
      stdout: this.#opts.stdout,
      log: this.#log,
      stats: this.#stats,
      version: this.#opts.version,
      tickMs: () => this.#wiring?.tickMs ?? tickMs,
    };
    const outputs: Output[] = [];
    for (const [name, kind] of Object.entries(SINKS) as [keyof typeof SINKS, SinkKind<unknown>][]) {
      const settings = config[name];
      if (settings === undefined) continue;
      const key = JSON.stringify({ name, settings, identity });
      const replaced = previous.filter((o) => o.name === name).flatMap((o) => o.sinks);
      outputs.push(
        previous.find((o) => o.key === key) ?? { name, key, sinks: await kind.create(settings, ctx, replaced) },
      );
    }
    if (outputs.length === 0) {
      this.#log.warn('no output configured: writing what would be pushed to stdout');
      const { gatewayPreview } = await import('../sinks/stdout.js');
      outputs.push({ name: 'stdout', key: 'stdout', sinks: [gatewayPreview(this.#opts.stdout)] });
    }
    return { loaded, identity, outputs, sinks: outputs.flatMap((o) => o.sinks), tickMs };
  }

  /** Schedules `def` at its phase for this instance (splay); lateness is measured from that slot. */
  #add(def: CheckDef): void {
    this.#scheduler.add(def, phaseMs(this.#wiring!.identity.instance, def.name, def.splayMs));
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
    if (result.success)
      this.#log.debug('check ok', {
        check: def.name,
        duration_seconds: result.durationSeconds,
        lateness_seconds: lateness,
      });
    else
      this.#log.warn(result.timedOut ? 'check timed out' : 'check failed', {
        check: def.name,
        reason: result.error,
        exit_code: result.exitCode,
        lateness_seconds: lateness,
      });
    // The check may have been removed or replaced by a reload while it ran: its result is stale then.
    const wiring = this.#wiring!;
    const current = wiring.loaded.checks.find((c) => c.name === def.name);
    if (!current || !sameCheck(current, def)) return;
    // Not awaited: delivery has its own queues, and a down output must not hold the next run.
    void deliver(reportOf(result, wiring.identity), wiring.sinks);
  }

  /** Stale groups, files and series of this instance that no current check owns, at every sink. */
  #purge(wiring: Wiring): void {
    const keep: Keep = { checks: wiring.loaded.checks.map((c) => c.name), agent: true };
    for (const sink of wiring.sinks) void sink.purge(wiring.identity, keep);
  }

  #startAgentGroup(): void {
    clearInterval(this.#agentTimer);
    this.#publishAgentGroup();
    this.#agentTimer = setInterval(() => this.#publishAgentGroup(), this.#wiring!.loaded.config.defaults.interval);
  }

  #publishAgentGroup(): void {
    const { identity, sinks } = this.#wiring!;
    void deliver(agentReport(identity, this.#stats, sinks, Date.now()), sinks);
  }
}
