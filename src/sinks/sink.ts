/**
 * What every output is: a sink gets a check's result as data (its identity, its families, when it
 * ran) and formats it itself — text 0.0.4 for a Pushgateway, protobuf for remote_write — with its
 * own delivery policy. `once`, `run` and `delete` drive every configured sink through this one
 * interface (src/sinks/registry.ts is the table of kinds).
 */
import type { PushError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AgentStats } from '../metrics/agent-stats.js';
import type { Labels, MetricFamily } from '../metrics/types.js';

/** Who is reporting: the labels every series carries besides its own. */
export interface Identity {
  readonly job: string;
  /** The host's FQDN; undefined for a service-level batch job (`pushagent exec` without --instance). */
  readonly instance: string | undefined;
  /** The configured `labels` (part of a Pushgateway's grouping key). */
  readonly labels: Labels;
}

/** One check's result (or the agent's own metrics), as data. */
export interface Report {
  readonly identity: Identity;
  /** The check's name; undefined for the agent's own metrics (whose samples carry `check` themselves). */
  readonly check: string | undefined;
  /** The check's families (its labels applied) and its health gauges; never job, instance or check. */
  readonly families: readonly MetricFamily[];
  /** When the run started, in ms since the epoch: remote_write's sample timestamp. */
  readonly timeMs: number;
  /**
   * Replace only the metrics sent and keep the others the sink holds for this group (a batch job's
   * last success time must survive a failure): a gateway gets POST, a text file keeps its other
   * families, remote_write ends no series. Default: the report replaces the group whole.
   */
  readonly merge?: boolean;
  /**
   * A batch job's outcome (`pushagent exec`, no check): where a series cannot carry `job` (a text
   * file, whose scrape sets it), the job is named by a `batch_job` label and a file of its own.
   */
  readonly batchJob?: boolean;
}

/**
 * What became of something sent (one attempt of a queue, or a sink's whole write): done, or the
 * typed error (URL, HTTP status, the receiver's own reason), whether trying again could help, and
 * after how long when the receiver said (429's Retry-After). Formatted only where it is printed.
 */
export type SendOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly error: PushError;
      readonly retryable: boolean;
      readonly retryAfterMs?: number | undefined;
    };

/** A sink's answer to write, remove or purge: what became of it, and where. */
export type DeliveryOutcome = SendOutcome & {
  /** The destination as messages show it (credentials redacted), or `stdout`. */
  readonly target: string;
  /** What was acted on, when the call covers several things (a group `purge` deleted). */
  readonly subject?: string;
};

/** What a sink keeps of an identity when it is told to clean up: these checks, and the agent's own group or not. */
export interface Keep {
  readonly checks: readonly string[];
  readonly agent: boolean;
}

export interface Sink {
  /** The destination, as logs and summaries show it. */
  readonly target: string;
  /**
   * Delivers `report`. In `once` the promise settles with the first attempt's outcome; in `run`
   * the sink queues and retries by its own policy, and the promise settles when the report was
   * delivered, refused, superseded by a newer one or dropped. Never rejects.
   */
  write(report: Report): Promise<DeliveryOutcome>;
  /** The check `check` (undefined: the agent's group) is gone: remove or end what the sink holds of it. */
  remove(identity: Identity, check: string | undefined): Promise<DeliveryOutcome>;
  /**
   * Removes what the sink holds of `identity` that `keep` does not name (stale groups, files of
   * removed checks); `delete` calls it keeping nothing. One outcome per thing removed or tried.
   */
  purge(identity: Identity, keep: Keep): Promise<DeliveryOutcome[]>;
  /** Sends what waits, within `timeoutMs`, then releases connections; false when time ran out. */
  close(timeoutMs: number): Promise<boolean>;
  /** The sink's own metrics (queue sizes, samples sent), added to the agent's. */
  families?(): MetricFamily[];
}

export interface SinkContext {
  /** `once` and `delete` send each thing once; `run` queues and retries. */
  readonly mode: 'once' | 'run';
  /** `--dry-run`: print what would be sent to `stdout` instead of sending it. */
  readonly dryRun: boolean;
  readonly stdout: (text: string) => void;
  readonly log: Logger;
  readonly stats: AgentStats;
  /** pushagent's version, for User-Agent. */
  readonly version: string;
  /**
   * `run`: the tick in ms, the shortest check interval (at least 1 s), read when needed so a reload
   * can change it: a sink that batches per host sends at most once per tick. Default 1 s.
   */
  readonly tickMs?: () => number;
}

/** A row of the sink table: the config key it is read from, and how its sinks are made. */
export interface SinkKind<Config> {
  /** The top-level config key: `pushgateway`, `remote_write`, `textfile`, `exporter`. */
  readonly key: string;
  /**
   * One sink per destination (a gateway URL, a remote_write entry). Loads its code lazily.
   * `previous`: on a reload, the sinks of this kind being replaced, so that a new one can take over
   * what must not be interrupted (the exporter's listening socket and latest results).
   */
  readonly create: (config: Config, ctx: SinkContext, previous?: readonly Sink[]) => Promise<Sink[]>;
}
