/** Starting work at most `limit` at a time (`once` runs its checks so: no EMFILE with 10,000 of them). */

/** `fn` of every item, at most `limit` running at once, started in order; the promises in item order. */
export function limited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R>[] {
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async (): Promise<void> => {
    if (running < limit) {
      running += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  return items.map(async (item) => {
    await slot();
    try {
      return await fn(item);
    } finally {
      release();
    }
  });
}
