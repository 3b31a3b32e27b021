/**
 * remote_write's delivery policy: unlike a gateway, the receiver keeps history, so every run's
 * samples are sent, in order. One request in flight; what waits meanwhile is batched (at most
 * `maxPerSend` samples a request). Connection errors, timeouts, 5xx and 429 are retried with capped,
 * jittered backoff (429 after its Retry-After); any other refusal drops the batch, never retried, so
 * a poisoned batch cannot block the queue. The backlog is bounded: past `capacity` the oldest go,
 * and samples older than `maxAgeMs` are dropped rather than sent. Every sample is counted by outcome.
 */
import type { PushError } from '../errors.js';
import { backoffMs, IdleWaiters } from './backoff.js';
import type { SendOutcome } from './sink.js';

export interface QueuedSample<S> {
  /** When it was measured (samples past max_age are dropped). */
  readonly timestampMs: number;
  readonly item: S;
}

export type SampleOutcome = 'sent' | 'retried' | 'rejected' | 'dropped';

export interface HistoryQueueOptions<S> {
  /** One request. Never rejects: a failure, whatever it was, is an outcome. */
  readonly send: (batch: readonly QueuedSample<S>[]) => Promise<SendOutcome>;
  readonly maxPerSend: number;
  readonly capacity: number;
  readonly maxAgeMs: number;
  readonly maxBackoffMs: number;
  readonly baseBackoffMs?: number;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly events?: {
    /** `n` samples reached an outcome (for the agent's counters). */
    readonly counted?: (outcome: SampleOutcome, n: number) => void;
    readonly down?: (error: PushError) => void;
    readonly up?: (failures: number) => void;
    readonly rejected?: (error: PushError, samples: number) => void;
    readonly dropped?: (why: 'full' | 'too old', samples: number) => void;
  };
}

export class HistoryQueue<S> {
  readonly #o: HistoryQueueOptions<S>;
  #backlog: QueuedSample<S>[] = [];
  /** Where the backlog starts: shifting a long array one at a time would be quadratic. */
  #head = 0;
  #inflight: readonly QueuedSample<S>[] | undefined;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #idle = new IdleWaiters();
  #closed = false;

  constructor(o: HistoryQueueOptions<S>) {
    this.#o = o;
  }

  /** Samples waiting or in flight. */
  get size(): number {
    return this.#backlog.length - this.#head + (this.#inflight?.length ?? 0);
  }

  enqueue(samples: readonly QueuedSample<S>[]): void {
    if (this.#closed || samples.length === 0) return;
    this.#backlog.push(...samples);
    const over = this.#backlog.length - this.#head - this.#o.capacity;
    if (over > 0) {
      this.#head += over;
      this.#count('dropped', over);
      this.#o.events?.dropped?.('full', over);
    }
    this.#pump();
  }

  /** Resolves true once nothing waits or is in flight, or false at the deadline. */
  flush(timeoutMs: number): Promise<boolean> {
    return this.#idle.wait(this.size === 0, timeoutMs);
  }

  /** Nothing more is sent; what waits is dropped (not counted: the process is going). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#backlog = [];
    this.#head = 0;
  }

  #count(outcome: SampleOutcome, n: number): void {
    if (n > 0) this.#o.events?.counted?.(outcome, n);
  }

  #pump(): void {
    if (this.#closed || this.#inflight || this.#timer) return;
    const batch = this.#take();
    if (batch.length === 0) {
      if (this.size === 0) this.#idle.notify();
      return;
    }
    this.#inflight = batch;
    void this.#attempt(batch);
  }

  /** The next batch, oldest first, without samples past their age. */
  #take(): QueuedSample<S>[] {
    const oldest = (this.#o.now ?? Date.now)() - this.#o.maxAgeMs;
    let tooOld = 0;
    const batch: QueuedSample<S>[] = [];
    while (this.#head < this.#backlog.length && batch.length < this.#o.maxPerSend) {
      const s = this.#backlog[this.#head]!;
      this.#head += 1;
      if (s.timestampMs < oldest) tooOld += 1;
      else batch.push(s);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#backlog.length) {
      this.#backlog = this.#backlog.slice(this.#head);
      this.#head = 0;
    }
    if (tooOld > 0) {
      this.#count('dropped', tooOld);
      this.#o.events?.dropped?.('too old', tooOld);
    }
    return batch;
  }

  async #attempt(batch: readonly QueuedSample<S>[]): Promise<void> {
    const outcome = await this.#o.send(batch);
    const events = this.#o.events;
    if (outcome.ok) {
      this.#inflight = undefined;
      this.#count('sent', batch.length);
      if (this.#failures > 0) events?.up?.(this.#failures);
      this.#failures = 0;
      this.#pump();
    } else if (outcome.retryable && !this.#closed) {
      this.#count('retried', batch.length);
      if (this.#failures === 0) events?.down?.(outcome.error);
      this.#failures += 1;
      const wait =
        outcome.retryAfterMs ??
        backoffMs(this.#failures, {
          baseBackoffMs: this.#o.baseBackoffMs ?? 250,
          maxBackoffMs: this.#o.maxBackoffMs,
          random: this.#o.random ?? Math.random,
        });
      // The same batch again, first: order is kept. Its samples may age out meanwhile.
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        const oldest = (this.#o.now ?? Date.now)() - this.#o.maxAgeMs;
        const fresh = batch.filter((s) => s.timestampMs >= oldest);
        this.#count('dropped', batch.length - fresh.length);
        if (fresh.length === 0) {
          this.#inflight = undefined;
          this.#pump();
        } else {
          this.#inflight = fresh;
          void this.#attempt(fresh);
        }
      }, wait);
    } else {
      this.#inflight = undefined;
      if (!outcome.retryable) {
        this.#count('rejected', batch.length);
        events?.rejected?.(outcome.error, batch.length);
      }
      this.#pump();
    }
  }
}
