/**
 * undici's Pool, its request() and the two error classes pushagent tests for, from their own modules (why: see
 * src/sinks/http-client.ts). The package has no `exports` map; these files have no types of their
 * own, so they take the types undici's index gives the same objects.
 */
declare module 'undici/lib/dispatcher/pool.js' {
  import { Pool } from 'undici';

  export default Pool;
}

declare module 'undici/lib/core/errors.js' {
  import type { errors } from 'undici';

  export const SocketError: typeof errors.SocketError;
  export const RequestAbortedError: typeof errors.RequestAbortedError;
}

declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';

  /** undici's `Dispatcher.request`, called on a dispatcher (`request.call(pool, options)`). */
  export default function request(
    this: Dispatcher,
    options: Dispatcher.RequestOptions,
  ): Promise<Dispatcher.ResponseData>;
}
