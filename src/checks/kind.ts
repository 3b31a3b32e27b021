/** What every check kind provides, and what the framework hands it. */
import type { z } from 'zod';
import type { MetricFamily } from '../metrics/types.js';
import type { ProcessTable } from './process.js';

export interface CollectContext {
  /** Aborted when the check's timeout expires: stop, kill what was started, release resources. */
  readonly signal: AbortSignal;
  /** After SIGTERM, how long a process group gets before SIGKILL. */
  readonly killGraceMs: number;
  /** Bound on captured stdout and stderr, each. */
  readonly maxOutputBytes: number;
  /** Where /proc is: `/proc`, or a folder of captured fixtures in tests (like node_exporter's --path.procfs). */
  readonly procRoot: string;
  /** The agent's view of which process groups still run, shared by every run (see runProcess). */
  readonly processes?: ProcessTable;
}

export type Collected =
  | { readonly ok: true; readonly families: readonly MetricFamily[]; readonly exitCode?: number }
  | { readonly ok: false; readonly reason: string; readonly exitCode?: number };

export interface CheckKind<Spec> {
  /** Shown in `validate`'s table and in messages. */
  readonly name: string;
  /** The keys whose presence in a check selects this kind (`command`/`argv` select exec). */
  readonly triggers: readonly string[];
  /** The kind's own keys, merged with the common ones into one strict schema. */
  readonly shape: z.core.$ZodLooseShape;
  /**
   * Turns the validated kind-specific keys into a spec; pushes messages for what zod cannot see.
   * `where.dir` is the folder of the check's file, against which relative paths resolve.
   */
  readonly toSpec: (fields: Record<string, unknown>, problems: KindProblem[], where: { readonly dir: string }) => Spec;
  readonly collect: (spec: Spec, ctx: CollectContext) => Promise<Collected>;
  /** One line for `validate`'s table, e.g. `exec/value`. */
  readonly describe: (spec: Spec) => string;
  /**
   * How long a run takes at the least (ping: count × packet_interval + reply_timeout). A check
   * without its own timeout then gets this plus a second; one whose timeout is shorter, or whose
   * interval cannot fit it, is refused at load.
   */
  readonly neededMs?: (spec: Spec) => number;
  /** Label names the kind puts on its samples (ping: target); a check's `labels` may not set them. */
  readonly ownLabels?: (spec: Spec) => readonly string[];
  /** Metric names a spec declares up front, so the loader can catch type/help conflicts across checks. */
  readonly declares?: (spec: Spec) => readonly DeclaredMetric[];
}

export interface KindProblem {
  /** Where in the check, e.g. `['metric', 'name']`. */
  readonly path: readonly string[];
  readonly message: string;
}

export interface DeclaredMetric {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  /** The key that declares it, for locating conflicts. */
  readonly path: readonly string[];
}
