/** A loaded, validated check: plain data that knows where it was written. */
import type { Labels } from '../metrics/types.js';

export type Schedule =
  { readonly kind: 'interval'; readonly ms: number } | { readonly kind: 'cron'; readonly expr: string };

export interface CheckDef {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** A row of src/checks/registry.ts. */
  readonly kind: string;
  /** The kind's own settings, as its `toSpec` made them. */
  readonly spec: unknown;
  /** `exec/value`, for tables and logs. */
  readonly describe: string;
  readonly schedule: Schedule;
  /**
   * Splay: the span the check's phase is chosen in (src/agent/splay.ts), in ms: its interval, or
   * for a schedule the shortest gap between its runs capped at CRON_SPLAY_CAP_MS; 0 runs it on the
   * aligned slots (n × interval, or exactly when the schedule says).
   */
  readonly splayMs: number;
  readonly timeoutMs: number;
  /** After SIGTERM at the timeout, how long the process group gets before SIGKILL. */
  readonly killGraceMs: number;
  readonly labels: Labels;
}
