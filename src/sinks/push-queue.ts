/**
 * The daemon's queue to one gateway. It holds at most one operation per group, the newest (the
 * gateway keeps only the latest anyway), so memory stays bounded however long an outage lasts.
 * Connection errors, timeouts, 5xx and 429 are retried with capped, jittered exponential backoff;
 * other refusals are reported and dropped. Each gateway has its own queue: one down never delays
 * another.
 */
import type { PushError } from '../errors.js';
import { backoffMs, IdleWaiters } from './backoff.js';
import { describeKey, type GroupingKey } from './grouping-key.js';
import type { SendOutcome } from './sink.js';

export type Op = { readonly method: 'PUT' | 'POST'; readonly body: string } | { readonly method: 'DELETE' };

/** One attempt at the gateway. Never rejects: a failure, whatever it was, is an outcome. */
export type Send = (key: GroupingKey, op: Op) => Promise<SendOutcome>;

/** What an operation came to: the outcome of its last attempt, or `dropped` when the queue closed first. */
export type Settled = SendOutcome | 'dropped';

export interface QueueEvents {
  /** Every attempt's outcome, for the agent's counters. */
  readonly attempt?: (outcome: 'success' | 'retry' | 'rejected', key: GroupingKey, op: Op) => void;
  /** The gateway stopped answering (first retryable failure of a streak). */
  readonly down?: (error: PushError) => void;
  /** The gateway answered again after `failures` retryable failures. */
  readonly up?: (failures: number) => void;
  /** A push refused for good (4xx but 429): the gateway's reason, for the log. */
  readonly rejected?: (key: GroupingKey, op: Op, error: PushError) => void;
}

export interface QueueOptions {
  readonly send: Send;
  readonly events?: QueueEvents;
  readonly maxBackoffMs?: number;
  readonly baseBackoffMs?: number;
  readonly concurrency?: number;
  readonly random?: () => number;
}

interface Entry {
  readonly key: GroupingKey;
  readonly op: Op;
  /** Settled when the operation is delivered, refused, superseded by a newer one or dropped. */
  readonly done: (outcome: Settled) => void;
}

const SUPERSEDED: SendOutcome = { ok: true };

export class PushQueue {
  readonly #opts: Required<Omit<QueueOptions, 'events'>> & { events: QueueEvents };
  readonly #pending = new Map<string, Entry>();
  readonly #inflight = new Set<string>();
  #failures = 0;
  #retryAt = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #idle = new IdleWaiters();
  #closed = false;

  constructor(opts: QueueOptions) {
    this.#opts = { maxBackoffMs: 10_000, baseBackoffMs: 250, concurrency: 4, random: Math.random, events: {}, ...opts };
  }

  /**
   * Queues `op` for the group, replacing an older operation still waiting for it. Settles with the
   * outcome of the operation's last attempt (retries included), `ok` when a newer one replaced it,
   * or `dropped` when the queue closed before it was sent.
   */
  enqueue(key: GroupingKey, op: Op): Promise<Settled> {
    if (this.#closed) return Promise.resolve('dropped');
    return new Promise((done) => {
      const id = describeKey(key);
      this.#pending.get(id)?.done(SUPERSEDED);
      this.#pending.set(id, { key, op, done });
      this.#pump();
    });
  }

  /** Operations waiting or in flight. */
  get size(): number {
    return this.#pending.size + this.#inflight.size;
  }

  /** Resolves true once nothing is waiting or in flight, or false at the deadline. */
  flush(timeoutMs: number): Promise<boolean> {
    return this.#idle.wait(this.size === 0, timeoutMs);
  }

  /** Drops whatever is still waiting; nothing more is sent. */
  close(): void {
    this.#closed = true;
    for (const entry of this.#pending.values()) entry.done('dropped');
    this.#pending.clear();
    clearTimeout(this.#timer);
  }

  #pump(): void {
    if (this.#closed) return;
    const wait = this.#retryAt - Date.now();
    if (wait > 0) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#pump();
      }, wait);
      return;
    }
    for (const [id, entry] of this.#pending) {
      if (this.#inflight.size >= this.#opts.concurrency) break;
      if (this.#inflight.has(id)) continue;
      this.#pending.delete(id);
      this.#inflight.add(id);
      void this.#attempt(id, entry);
    }
    if (this.size === 0) this.#idle.notify();
  }

  async #attempt(id: string, entry: Entry): Promise<void> {
    const { events } = this.#opts;
    const outcome = await this.#opts.send(entry.key, entry.op);
    this.#inflight.delete(id);
    if (outcome.ok) {
      entry.done(outcome);
      events.attempt?.('success', entry.key, entry.op);
      if (this.#failures > 0) events.up?.(this.#failures);
      this.#failures = 0;
      this.#retryAt = 0;
    } else if (outcome.retryable) {
      events.attempt?.('retry', entry.key, entry.op);
      if (this.#failures === 0) events.down?.(outcome.error);
      this.#failures += 1;
      // A newer operation for the group may have arrived meanwhile: it wins.
      if (this.#closed) entry.done(outcome);
      else if (this.#pending.has(id)) entry.done(SUPERSEDED);
      else this.#pending.set(id, entry);
      this.#retryAt = Math.max(this.#retryAt, Date.now() + backoffMs(this.#failures, this.#opts));
    } else {
      entry.done(outcome);
      events.attempt?.('rejected', entry.key, entry.op);
      events.rejected?.(entry.key, entry.op, outcome.error);
    }
    this.#pump();
  }
}
