/**
 * `ping:` checks: the system `ping` (argv, never a shell; LC_ALL=C and process-group kills come from
 * runProcess), one process per target, all targets at once. A target that answers nothing is a
 * successful measurement (loss 1, no round-trip series); an unknown host, a ping that cannot run or
 * a summary that cannot be read fails the check.
 */
import * as z from 'zod';
import { describeValue } from '../errors.js';
import { duration, nonEmptyString } from '../common/fields.js';
import { formatDuration } from '../common/duration.js';
import type { MetricFamily, Sample } from '../metrics/types.js';
import { readPingRun, type PingSummary } from '../parse/ping.js';
import type { CheckKind, Collected, CollectContext, KindProblem } from './kind.js';
import { readOutcome } from './outcome.js';
import { runProcess, type ProcessOutcome } from './process.js';

/**
 * iputils lets any user go down to 2ms since 20210202 (Debian 11 on), and root to any interval;
 * older ones refuse users below 200ms. Shorter than 2ms is a flood, refused here; between 2ms and
 * 200ms, a ping that refuses the interval fails the run with its own message ("ping: cannot
 * flood; minimal interval allowed for user is 200ms").
 */
export const MIN_PACKET_INTERVAL_MS = 2;
const target = z
  .string({ error: (iss) => `expected a host name or address, got ${describeValue(iss.input)}` })
  .regex(/^[A-Za-z0-9_.:%][A-Za-z0-9_.:%-]*$/, {
    error: (iss) =>
      `expected a host name or address (letters, digits, . : - _ %, not starting with -), got ${describeValue(iss.input)}`,
  });

const wholeNumber = (what: string, min: number, max: number) => {
  const error = (iss: { input?: unknown }): string =>
    `expected ${what}, a whole number from ${min} to ${max}, got ${describeValue(iss.input)}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};

const shape = {
  ping: z
    .strictObject(
      {
        target: target
          .optional()
          .describe(
            'The host name or address to ping; it becomes the `target` label. Exactly one of `target` or `targets`.',
          ),
        targets: z
          .array(target, {
            error: (iss) => `expected a list of host names or addresses, got ${describeValue(iss.input)}`,
          })
          .min(1, { error: 'expected at least one target' })
          .optional()
          .describe(
            'Host names or addresses, each listed once, each pinged by its own process and labelled `target`. Exactly one of `target` or `targets`.',
          ),
        count: wholeNumber('the number of echo requests', 1, 1000)
          .default(3)
          .describe('Echo requests per run, 1-1000.'),
        packet_interval: duration
          .refine((ms) => ms >= MIN_PACKET_INTERVAL_MS, {
            error: (iss) =>
              `expected at least ${MIN_PACKET_INTERVAL_MS}ms, got ${formatDuration(iss.input as number)}: iputils refuses shorter intervals to users other than root`,
          })
          // prefault: the default is written as a user would, so the JSON Schema shows "1s".
          .prefault('1s')
          .describe(
            `Between echo requests (ping -i), at least ${MIN_PACKET_INTERVAL_MS}ms. iputils before 20210202 refuses users below 200ms: the run then fails with ping's message.`,
          ),
        reply_timeout: duration
          .refine((ms) => ms % 1000 === 0, {
            error: (iss) =>
              `expected whole seconds (ping's -W takes seconds), got ${formatDuration(iss.input as number)}`,
          })
          .prefault('1s')
          .describe('How long ping waits for a reply after the last request (ping -W), in whole seconds.'),
        size: wholeNumber('the payload size in bytes', 0, 65507)
          .optional()
          .describe("Payload bytes, 0-65507 (ping's default: 56). Below 16 no round-trip times are measured."),
        ip: z
          .union([z.literal(4), z.literal(6)], { error: (iss) => `expected 4 or 6, got ${describeValue(iss.input)}` })
          .optional()
          .describe('4 or 6: force the address family. Default: whatever the name resolves to.'),
        interface: nonEmptyString.optional().describe('The source interface or address (ping -I).'),
      },
      {
        error: (iss) =>
          iss.code === 'invalid_type'
            ? `expected a mapping with target or targets, got ${describeValue(iss.input)}`
            : undefined,
      },
    )
    .describe('Round-trip time and packet loss to one or more targets, measured by the system ping (iputils-ping).'),
};

type Fields = z.output<z.ZodObject<typeof shape>>;

export interface PingSpec {
  /** The ping program, found on PATH; tests point it at a wrapper that keeps ping's output. */
  readonly program: string;
  /** As configured: each becomes the `target` label of its series. */
  readonly targets: readonly string[];
  readonly count: number;
  readonly intervalMs: number;
  readonly replyTimeoutMs: number;
  readonly size: number | undefined;
  readonly ip: 4 | 6 | undefined;
  readonly interface: string | undefined;
}

function toSpec(raw: Record<string, unknown>, problems: KindProblem[]): PingSpec {
  const f = (raw as Fields).ping;
  if ((f.target === undefined) === (f.targets === undefined)) {
    problems.push({
      path: f.target === undefined ? ['ping'] : ['ping', 'targets'],
      message:
        f.target === undefined
          ? 'ping: expected `target` or `targets`, found neither'
          : 'ping: use exactly one of `target` or `targets`, not both',
    });
  }
  const targets = f.targets ?? (f.target === undefined ? [] : [f.target]);
  targets.forEach((t, i) => {
    if (targets.indexOf(t) !== i)
      problems.push({ path: ['ping', 'targets', String(i)], message: `ping.targets: "${t}" is listed twice` });
  });
  return {
    program: 'ping',
    targets,
    count: f.count,
    intervalMs: f.packet_interval,
    replyTimeoutMs: f.reply_timeout,
    size: f.size,
    ip: f.ip,
    interface: f.interface,
  };
}

/**
 * iputils' flags (BusyBox's ping takes the same ones): numeric output, count, interval, wait, size, family, interface.
 */
export function pingArgs(spec: PingSpec, host: string): string[] {
  return [
    '-n',
    '-c',
    String(spec.count),
    '-i',
    String(spec.intervalMs / 1000),
    '-W',
    String(spec.replyTimeoutMs / 1000),
    ...(spec.size === undefined ? [] : ['-s', String(spec.size)]),
    ...(spec.ip === undefined ? [] : [`-${spec.ip}`]),
    ...(spec.interface === undefined ? [] : ['-I', spec.interface]),
    host,
  ];
}

async function collect(spec: PingSpec, ctx: CollectContext): Promise<Collected> {
  const outcomes = await Promise.all(
    spec.targets.map((t) => runProcess({ file: spec.program, args: pingArgs(spec, t), env: {} }, ctx)),
  );
  return interpretPing(spec.targets, outcomes);
}

type TargetResult =
  { ok: true; summary: PingSummary; exitCode: number } | { ok: false; reason: string; exitCode: number };

/**
 * Pure: each target's finished ping → the check's families, or why it failed. Several targets fail
 * together (a failed check pushes no samples); the reason names each failing target. The exit code
 * reported is ping's highest (1 when a target answered nothing).
 */
export function interpretPing(targets: readonly string[], outcomes: readonly ProcessOutcome[]): Collected {
  const results = outcomes.map(targetResult);
  const exitCode = Math.max(...results.map((r) => r.exitCode));
  const failed = results.flatMap((r, i) =>
    r.ok ? [] : [targets.length > 1 ? `target ${targets[i]}: ${r.reason}` : r.reason],
  );
  if (failed.length > 0) return { ok: false, reason: failed.join('; '), exitCode };
  const summaries = results.map((r, i) => ({
    target: targets[i]!,
    summary: (r as Extract<TargetResult, { ok: true }>).summary,
  }));
  return { ok: true, families: pingFamilies(summaries), exitCode };
}

function targetResult(outcome: ProcessOutcome): TargetResult {
  return readOutcome(outcome, (exited): TargetResult => {
    const r = readPingRun(exited);
    if (!r.ok)
      return {
        ok: false,
        reason: r.line === undefined ? r.message : `ping output line ${r.line}: ${r.message}`,
        exitCode: exited.exitCode,
      };
    return { ok: true, summary: r.value, exitCode: exited.exitCode };
  });
}

const METRICS: readonly { name: string; help: string; value: (s: PingSummary) => number | undefined }[] = [
  {
    name: 'pushagent_ping_packets_sent',
    help: 'Echo requests ping sent to the target in the last run.',
    value: (s) => s.transmitted,
  },
  {
    name: 'pushagent_ping_packets_received',
    help: 'Echo replies received from the target in the last run, duplicates not included.',
    value: (s) => s.received,
  },
  {
    name: 'pushagent_ping_packet_loss_ratio',
    help: 'Share of the echo requests of the last run that got no reply (0-1), from the packet counts.',
    value: (s) => (s.transmitted - s.received) / s.transmitted,
  },
  {
    name: 'pushagent_ping_duplicate_packets',
    help: 'Duplicate echo replies received in the last run.',
    value: (s) => s.duplicates,
  },
  {
    name: 'pushagent_ping_rtt_min_seconds',
    help: 'Shortest round-trip time of the last run, in seconds; absent when no reply came back.',
    value: (s) => s.rtt?.min,
  },
  {
    name: 'pushagent_ping_rtt_avg_seconds',
    help: 'Average round-trip time of the last run, in seconds; absent when no reply came back.',
    value: (s) => s.rtt?.avg,
  },
  {
    name: 'pushagent_ping_rtt_max_seconds',
    help: 'Longest round-trip time of the last run, in seconds; absent when no reply came back.',
    value: (s) => s.rtt?.max,
  },
  {
    name: 'pushagent_ping_rtt_stddev_seconds',
    help: "Standard deviation of the round-trip times of the last run (ping's mdev), in seconds; absent when no reply came back.",
    value: (s) => s.rtt?.stddev,
  },
];

/** One family per metric, one sample per target; a family no target has a value for is left out. */
export function pingFamilies(
  results: readonly { readonly target: string; readonly summary: PingSummary }[],
): MetricFamily[] {
  return METRICS.flatMap(({ name, help, value }) => {
    const samples = results.flatMap(({ target: t, summary }): Sample[] => {
      const v = value(summary);
      return v === undefined ? [] : [{ name, labels: { target: t }, value: v }];
    });
    return samples.length === 0 ? [] : [{ name, type: 'gauge' as const, help, samples }];
  });
}

export const pingKind: CheckKind<PingSpec> = {
  name: 'ping',
  triggers: ['ping'],
  shape,
  toSpec,
  collect,
  describe: (spec) => `ping/${spec.targets.length === 1 ? spec.targets[0] : `${spec.targets.length} targets`}`,
  // ping sends `count` requests `packet_interval` apart, then waits up to `reply_timeout` for the last reply.
  neededMs: (spec) => spec.count * spec.intervalMs + spec.replyTimeoutMs,
  ownLabels: () => ['target'],
};
