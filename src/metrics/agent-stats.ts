/**
 * The daemon's own health, pushed in its own group (no `check` in the grouping key, so these
 * samples can carry a `check` label): build info, check runs by result, skipped slots, pushes by
 * outcome, scheduling lateness, reloads. Counters only grow for the life of the process.
 */
import type { MetricFamily, Sample } from './types.js';

type Counter = Map<string, { labels: Record<string, string>; value: number }>;

export class AgentStats {
  readonly #version: string;
  readonly #runs: Counter = new Map();
  readonly #skipped: Counter = new Map();
  readonly #pushes: Counter = new Map();
  readonly #reloads: Counter = new Map();
  readonly #lateness = new Map<string, number>();

  constructor(version: string) {
    this.#version = version;
  }

  checkRun(check: string, result: 'success' | 'failure' | 'timeout', latenessSeconds: number): void {
    add(this.#runs, { check, result });
    this.#lateness.set(check, latenessSeconds);
  }

  slotSkipped(check: string): void {
    add(this.#skipped, { check });
  }

  push(gateway: string, outcome: 'success' | 'retry' | 'rejected'): void {
    add(this.#pushes, { gateway, outcome });
  }

  reload(result: 'success' | 'failure'): void {
    add(this.#reloads, { result });
  }

  /** A removed check's series go with it. */
  forget(check: string): void {
    for (const c of [this.#runs, this.#skipped]) for (const [id, e] of c) if (e.labels.check === check) c.delete(id);
    this.#lateness.delete(check);
  }

  families(): MetricFamily[] {
    return [
      family('pushagent_build_info', 'gauge', 'A constant 1, labelled with the version of pushagent that pushes.', [
        { name: 'pushagent_build_info', labels: { version: this.#version }, value: 1 },
      ]),
      counter('pushagent_check_runs_total', 'Check runs by result (success, failure, timeout).', this.#runs),
      counter(
        'pushagent_check_skipped_slots_total',
        'Scheduled runs skipped because the previous run of the check was still going.',
        this.#skipped,
      ),
      counter(
        'pushagent_pushes_total',
        'Push attempts by gateway and outcome (success, retry, rejected).',
        this.#pushes,
      ),
      counter('pushagent_reloads_total', 'Configuration reloads (SIGHUP) by result.', this.#reloads),
      family(
        'pushagent_check_lateness_seconds',
        'gauge',
        'How late the last run of the check started after its scheduled time, in seconds.',
        [...this.#lateness].map(([check, value]) => ({
          name: 'pushagent_check_lateness_seconds',
          labels: { check },
          value,
        })),
      ),
    ].filter((f) => f.samples.length > 0);
  }
}

function add(c: Counter, labels: Record<string, string>): void {
  const id = JSON.stringify(labels);
  const e = c.get(id);
  if (e) e.value += 1;
  else c.set(id, { labels, value: 1 });
}

function family(name: string, type: MetricFamily['type'], help: string, samples: Sample[]): MetricFamily {
  return { name, type, help, samples };
}

function counter(name: string, help: string, c: Counter): MetricFamily {
  return family(
    name,
    'counter',
    help,
    [...c.values()].map((e) => ({ name, labels: { ...e.labels }, value: e.value })),
  );
}
