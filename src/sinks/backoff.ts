/**
 * What the sinks' queues share: capped exponential backoff with "equal jitter" (pure but for
 * `random`), and waiting for a queue to empty. The outcome of an attempt is SendOutcome (sink.ts).
 */

export interface BackoffOptions {
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly random: () => number;
}

/**
 * The wait after the `failures`-th failure in a row: the ceiling doubles from `baseBackoffMs` up to
 * `maxBackoffMs`, and the wait lies between half the ceiling and the ceiling, so destinations coming
 * back are not stampeded by every agent at once.
 */
export function backoffMs(failures: number, o: BackoffOptions): number {
  const ceiling = Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** Math.max(0, failures - 1));
  return ceiling / 2 + (o.random() * ceiling) / 2;
}

/** Callers waiting for a queue to empty (its flush), each until a deadline. */
export class IdleWaiters {
  #waiting: (() => void)[] = [];

  /** Resolves true when `empty()` is true now or at a later notify(), or false after `timeoutMs`. */
  wait(empty: boolean, timeoutMs: number): Promise<boolean> {
    if (empty) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#waiting.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The queue is empty: every waiter resolves true. */
  notify(): void {
    this.#waiting.splice(0).forEach((resolve) => resolve());
  }
}
