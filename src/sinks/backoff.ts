/** Capped exponential backoff with "equal jitter" (pure but for `random`), shared by the sinks' queues. */

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
