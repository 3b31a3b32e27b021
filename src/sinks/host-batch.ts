/**
 * `pushgateway.grouping: host`: every check's latest part of the host's one group, and when to PUT
 * it. In `run` the whole body goes out at most once per tick (the shortest check interval, at least
 * 1 s) in which something changed: SETTLE_MS after the first change, so that results finishing
 * together share a PUT, and never sooner than a tick after the previous PUT. In `once` it goes out
 * when the sink closes. A part is replaced whole by its check's next result (a failed run's part is
 * its health gauges), and a removed check's part is dropped.
 */
import type { MetricFamily } from '../metrics/types.js';
import { hostBody, mergePart, withCheckLabel } from './host-body.js';
import type { DeliveryOutcome, Identity, Keep } from './sink.js';

/** How long after the first change of a quiet tick the body goes out. */
export const SETTLE_MS = 100;

export interface HostBatchOptions {
  /** The sink's target, for the outcome of writes whose group was deleted before they went out. */
  readonly target: string;
  /** `run`: the tick in ms, read at each change; undefined (`once`): only flush() sends. */
  readonly tickMs: (() => number) | undefined;
  /** Sends the body of `identity`'s group (a DELETE when no part is left). */
  readonly send: (identity: Identity, families: MetricFamily[] | undefined) => Promise<DeliveryOutcome>;
  /** Families left out of the body (a name another check has with another type). */
  readonly conflict: (names: string[]) => void;
}

/** The agent's own part: before every check's in the body. */
const AGENT = '';

export class HostBatch {
  readonly #opts: HostBatchOptions;
  readonly #parts = new Map<string, readonly MetricFamily[]>();
  #identity: Identity | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #lastFlushMs = -Infinity;
  /** Writes waiting for the PUT that will carry them. */
  #waiting: ((o: DeliveryOutcome) => void)[] = [];
  readonly #warned = new Set<string>();

  constructor(opts: HostBatchOptions) {
    this.#opts = opts;
  }

  /**
   * The check's new part (`merge`: only its families of the same names replaced). Settles with the PUT that carries it.
   */
  set(
    identity: Identity,
    check: string | undefined,
    families: readonly MetricFamily[],
    merge = false,
  ): Promise<DeliveryOutcome> {
    this.#identity = identity;
    const key = check ?? AGENT;
    const part = withCheckLabel(check, families);
    this.#parts.set(key, merge ? mergePart(this.#parts.get(key) ?? [], part) : part);
    return this.#changed();
  }

  /** The check (undefined: the agent) is gone from the next PUT. */
  delete(identity: Identity, check: string | undefined): Promise<DeliveryOutcome> {
    this.#identity = identity;
    this.#parts.delete(check ?? AGENT);
    return this.#changed();
  }

  /** Drops every part `keep` does not name; with nothing kept, also what waits (the group is being deleted). */
  keepOnly(keep: Keep): void {
    const kept = new Set([...keep.checks, ...(keep.agent ? [AGENT] : [])]);
    let dropped = false;
    for (const key of [...this.#parts.keys()]) {
      if (kept.has(key)) continue;
      this.#parts.delete(key);
      dropped = true;
    }
    if (kept.size === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#dirty = false;
      // Superseded by the group's deletion, as a queue settles a replaced operation.
      for (const done of this.#waiting.splice(0)) done({ target: this.#opts.target, ok: true });
      return;
    }
    if (dropped) void this.#changed();
  }

  /** Sends the body now when something changed since the last PUT (`once`, and before closing). */
  async flush(): Promise<DeliveryOutcome | undefined> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#dirty || this.#identity === undefined) return undefined;
    this.#dirty = false;
    this.#lastFlushMs = Date.now();
    const waiting = this.#waiting.splice(0);
    const parts = [...this.#parts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const { families, conflicts } = hostBody(parts);
    const fresh = conflicts.filter((c) => !this.#warned.has(c));
    if (fresh.length > 0) {
      fresh.forEach((c) => this.#warned.add(c));
      this.#opts.conflict(fresh);
    }
    const outcome = await this.#opts.send(this.#identity, parts.length === 0 ? undefined : families);
    for (const done of waiting) done(outcome);
    return outcome;
  }

  #changed(): Promise<DeliveryOutcome> {
    this.#dirty = true;
    const carried = new Promise<DeliveryOutcome>((done) => this.#waiting.push(done));
    const tickMs = this.#opts.tickMs;
    if (tickMs !== undefined && this.#timer === undefined) {
      const now = Date.now();
      const due = Math.max(now + SETTLE_MS, this.#lastFlushMs + tickMs());
      this.#timer = setTimeout(() => void this.flush(), due - now);
    }
    return carried;
  }
}
