/** Where serialized groups go: a Pushgateway (one or more URLs) or stdout. */
import type { GroupingKey } from './grouping-key.js';

export interface DeliveryOutcome {
  /** The gateway URL (credentials redacted), or `stdout`. */
  readonly target: string;
  readonly ok: boolean;
  /** Why it failed: URL, HTTP status and the gateway's own reason. */
  readonly error?: string;
}

export interface Sink {
  /** Replaces the group `key` with `body` (text format 0.0.4) at every target. Never throws. */
  write(key: GroupingKey, body: string): Promise<DeliveryOutcome[]>;
  close(): Promise<void>;
}
