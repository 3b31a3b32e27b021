/**
 * `tcp:` checks: TCP sockets by state, read from <procRoot>/net/tcp and net/tcp6 (no process, no
 * netstat). Every state is pushed, zeros included, so a rate or a sum never misses a series.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { describeValue } from '../errors.js';
import type { MetricFamily } from '../metrics/types.js';
import { addCounts, parseProcNetTcp, TCP_STATES, type TcpStateCounts } from '../parse/proc-net-tcp.js';
import type { CheckKind, Collected, CollectContext, KindProblem } from './kind.js';

export const TCP_METRIC = 'pushagent_tcp_connections';
const HELP = 'TCP sockets by state (listening ones included), from /proc/net/tcp and /proc/net/tcp6.';

const port = z
  .number({ error: (iss) => `expected a port number from 1 to 65535, got ${describeValue(iss.input)}` })
  .int({ error: (iss) => `expected a port number from 1 to 65535, got ${describeValue(iss.input)}` })
  .min(1, { error: (iss) => `expected a port number from 1 to 65535, got ${describeValue(iss.input)}` })
  .max(65535, { error: (iss) => `expected a port number from 1 to 65535, got ${describeValue(iss.input)}` });

const shape = {
  tcp: z
    .strictObject(
      {
        // Local ports: a server's listening port, not the port a client connects to.
        ports: z
          .array(port, { error: (iss) => `expected a list of local port numbers, got ${describeValue(iss.input)}` })
          .min(1, { error: 'expected at least one port (leave `ports` out to count every socket)' })
          .optional()
          .describe(
            "Count only sockets whose LOCAL port is listed (a server's port, not one this host connects to), each once. Default: every socket.",
          ),
        ip: z
          .union([z.literal(4), z.literal(6), z.literal('both')], {
            error: (iss) => `expected 4, 6 or both, got ${describeValue(iss.input)}`,
          })
          .default('both')
          .describe('4 (reads net/tcp), 6 (net/tcp6) or both (the sum; without IPv6 in the kernel, IPv4 only).'),
      },
      { error: (iss) => `expected a mapping such as {} or {ports: [80, 443], ip: 4}, got ${describeValue(iss.input)}` },
    )
    .describe('TCP sockets by state, read from /proc/net/tcp and /proc/net/tcp6: {} counts every socket.'),
};

type Fields = z.output<z.ZodObject<typeof shape>>;

export interface TcpSpec {
  /** Local ports to count; undefined counts every socket. */
  readonly ports: readonly number[] | undefined;
  readonly ip: 4 | 6 | 'both';
}

function toSpec(raw: Record<string, unknown>, problems: KindProblem[]): TcpSpec {
  const { tcp } = raw as Fields;
  const ports = tcp.ports;
  ports?.forEach((p, i) => {
    if (ports.indexOf(p) !== i)
      problems.push({ path: ['tcp', 'ports'], message: `tcp.ports: port ${p} is listed twice` });
  });
  return { ports, ip: tcp.ip };
}

/** The files to read for `ip`, and whether a missing one is an error. */
function sources(ip: TcpSpec['ip']): { file: string; required: boolean }[] {
  if (ip === 4) return [{ file: 'tcp', required: true }];
  if (ip === 6) return [{ file: 'tcp6', required: true }];
  // A kernel booted with ipv6.disable=1 has no tcp6: with `both`, that is zero IPv6 sockets.
  return [
    { file: 'tcp', required: true },
    { file: 'tcp6', required: false },
  ];
}

async function collect(spec: TcpSpec, ctx: CollectContext): Promise<Collected> {
  const ports = spec.ports && new Set(spec.ports);
  const all: TcpStateCounts[] = [];
  for (const { file, required } of sources(spec.ip)) {
    const name = path.join(ctx.procRoot, 'net', file);
    let text: string;
    try {
      text = await readFile(name, { encoding: 'utf8', signal: ctx.signal });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !required) continue;
      if (code === 'ABORT_ERR') return { ok: false, reason: 'aborted' };
      const why =
        code === 'ENOENT'
          ? `no such file${file === 'tcp6' ? ' (is IPv6 disabled in the kernel?)' : ''}`
          : (err as Error).message;
      return { ok: false, reason: `cannot read ${name}: ${why}` };
    }
    const parsed = parseProcNetTcp(text, { ports });
    if (!parsed.ok) return { ok: false, reason: `${name} line ${parsed.line}: ${parsed.message}` };
    all.push(parsed.value);
  }
  return { ok: true, families: [connectionsFamily(addCounts(...all))] };
}

/** One gauge per state, every state present. Pure. */
export function connectionsFamily(counts: TcpStateCounts): MetricFamily {
  return {
    name: TCP_METRIC,
    type: 'gauge',
    help: HELP,
    samples: TCP_STATES.map((state) => ({ name: TCP_METRIC, labels: { state }, value: counts[state] })),
  };
}

function describe(spec: TcpSpec): string {
  return [
    'tcp',
    ...(spec.ip === 'both' ? [] : [`ipv${spec.ip}`]),
    ...(spec.ports ? [`ports=${spec.ports.join(',')}`] : []),
  ].join('/');
}

export const tcpKind: CheckKind<TcpSpec> = {
  name: 'tcp',
  triggers: ['tcp'],
  shape,
  toSpec,
  collect,
  describe,
  ownLabels: () => ['state'],
};
