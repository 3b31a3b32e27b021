/**
 * tcp checks counted exactly: a private network namespace (only `lo`) is filled with a known set of
 * sockets by test/helpers/tcp-sockets.mjs, then the built CLI runs `once --dry-run` inside it, and
 * its figures are compared with the plan and with `ss -tan` in the same namespace.
 * Needs root, `ip` and `ss` (Debian iproute2): outside CI they skip without them; in CI they must run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCounts, zeroCounts, type TcpState, type TcpStateCounts } from '../../src/parse/proc-net-tcp.js';
import { CLI } from '../helpers/cli.js';
import { countSs } from '../helpers/ss.js';
import { workdir } from '../helpers/workdir.js';

const HOLDER = fileURLToPath(new URL('../helpers/tcp-sockets.mjs', import.meta.url));

const missing = [
  ...(process.getuid?.() === 0 ? [] : ['root']),
  ...(spawnSync('ip', ['-V'], { stdio: 'ignore' }).status === 0 ? [] : ['ip']),
  ...(spawnSync('ss', ['-V'], { stdio: 'ignore' }).status === 0 ? [] : ['ss']),
];
if (missing.length > 0 && process.env.CI)
  throw new Error(
    `the tcp namespace tests need ${missing.join(', ')}; CI runs as root and must install Debian's iproute2`,
  );
if (missing.length > 0)
  console.warn(`skipping tcp namespace tests: they need ${missing.join(', ')} (run as root with iproute2 installed)`);

const NS = `pushagent-tcp-${process.pid}`;

// Per listener, client connections that end in known states (see tcp-sockets.mjs):
// established pairs (2 sockets each), clientClose (TIME_WAIT on the client's ephemeral port),
// serverClose (TIME_WAIT on the server's port), halfClose (client FIN_WAIT2, server CLOSE_WAIT).
const PLAN = [
  {
    listen: '127.0.0.1',
    connect: '127.0.0.1',
    port: 7001,
    established: 3,
    clientClose: 4,
    serverClose: 0,
    halfClose: 1,
  },
  { listen: '::1', connect: '::1', port: 7002, established: 2, serverClose: 3, clientClose: 0, halfClose: 2 },
  // Dual stack: the IPv4 client is in net/tcp, the socket accepted for it in net/tcp6 (::ffff:127.0.0.1).
  { listen: '::', connect: '127.0.0.1', port: 7003, established: 1, clientClose: 0, serverClose: 0, halfClose: 0 },
];

const counts = (c: Partial<Record<TcpState, number>>): TcpStateCounts => ({ ...zeroCounts(), ...c });
const sum = (f: (l: (typeof PLAN)[number]) => number): number => PLAN.reduce((n, l) => n + f(l), 0);

/** What each check must push, worked out from the plan. */
const EXPECTED: Record<
  string,
  { readonly yaml: string; readonly ss: readonly string[]; readonly counts: TcpStateCounts }
> = {
  all: {
    yaml: 'tcp: {}',
    ss: [],
    counts: counts({
      listen: PLAN.length,
      established: 2 * sum((l) => l.established),
      time_wait: sum((l) => l.clientClose + l.serverClose),
      fin_wait2: sum((l) => l.halfClose),
      close_wait: sum((l) => l.halfClose),
    }),
  },
  // IPv4 files only: everything of 7001, plus the IPv4 client of the dual-stack 7003.
  ipv4: {
    yaml: 'tcp: {ip: 4}',
    ss: ['-4'],
    counts: counts({ listen: 1, established: 2 * 3 + 1, time_wait: 4, fin_wait2: 1, close_wait: 1 }),
  },
  ipv6: {
    yaml: 'tcp: {ip: 6}',
    ss: ['-6'],
    counts: counts({ listen: 2, established: 2 * 2 + 1, time_wait: 3, fin_wait2: 2, close_wait: 2 }),
  },
  // Local port 7002: server ends only. The server closed first, so the TIME_WAITs are on 7002.
  port7002: {
    yaml: 'tcp: {ports: [7002]}',
    ss: ['sport = :7002'],
    counts: counts({ listen: 1, established: 2, time_wait: 3, close_wait: 2 }),
  },
  // The clients closed first on 7001: their TIME_WAITs are on ephemeral ports, not counted.
  port7001and7003: {
    yaml: 'tcp: {ports: [7001, 7003]}',
    ss: ['( sport = :7001 or sport = :7003 )'],
    counts: counts({ listen: 2, established: 3 + 1, close_wait: 1 }),
  },
};

function inNs(
  args: readonly string[],
  opts: { cwd?: string } = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', NS, ...args], { encoding: 'utf8', cwd: opts.cwd, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ss(extra: readonly string[]): TcpStateCounts {
  const flags = extra.filter((a) => a.startsWith('-'));
  const filter = extra.filter((a) => !a.startsWith('-'));
  const r = inNs(['ss', '-Htan', ...flags, ...filter]);
  if (r.status !== 0) throw new Error(`ss failed: ${r.stderr}`);
  return countSs(r.stdout);
}

function sh(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}

describe.skipIf(missing.length > 0)('tcp checks in a private network namespace', () => {
  let holder: ChildProcess | undefined;
  let created = false;

  beforeAll(async () => {
    sh('ip', ['netns', 'add', NS]);
    created = true;
    sh('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
    const child = spawn('ip', ['netns', 'exec', NS, process.execPath, HOLDER, JSON.stringify(PLAN)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    holder = child;
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = (async () => {
      while (!out.includes('ready\n')) await once(child.stdout, 'data');
    })();
    const exited = once(child, 'exit').then(([code]) =>
      Promise.reject(new Error(`tcp-sockets.mjs exited with ${String(code)}: ${err}`)),
    );
    await Promise.race([ready, exited]);
    // Node's events come before the last ACKs are processed: wait until ss sees the planned states.
    const deadline = Date.now() + 5000;
    while (JSON.stringify(ss([])) !== JSON.stringify(EXPECTED.all!.counts) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    if (holder && holder.exitCode === null) {
      const exit = once(holder, 'exit');
      holder.stdin?.end();
      holder.kill();
      await exit;
    }
    if (created) sh('ip', ['netns', 'del', NS]);
  });

  it('ss -tan in the namespace shows exactly the planned sockets', () => {
    for (const [name, e] of Object.entries(EXPECTED))
      expect({ name, counts: ss(e.ss) }).toEqual({ name, counts: e.counts });
    // ip 4 and ip 6 split every socket between them; nothing is counted twice.
    expect(addCounts(EXPECTED.ipv4!.counts, EXPECTED.ipv6!.counts)).toEqual(EXPECTED.all!.counts);
  });

  it('once --dry-run pushes the same counts as ss -tan, for every filter', async () => {
    const checks = Object.entries(EXPECTED)
      .map(([name, e]) => `- name: ${name}\n  ${e.yaml}\n`)
      .join('');
    const dir = await workdir({ 'pushagent.config.yaml': 'instance: netns-test\n', 'checks/tcp.yaml': checks });
    const before = Object.fromEntries(Object.entries(EXPECTED).map(([name, e]) => [name, ss(e.ss)]));
    const r = inNs([process.execPath, CLI, 'once', '--dry-run'], { cwd: dir });
    const after = Object.fromEntries(Object.entries(EXPECTED).map(([name, e]) => [name, ss(e.ss)]));
    expect(r.stderr).not.toMatch(/FAIL|TIMEOUT/);
    expect(r.status).toBe(0);
    const pushed = pushedCounts(r.stdout);
    const expected = Object.fromEntries(Object.entries(EXPECTED).map(([name, e]) => [name, e.counts]));
    expect(pushed).toEqual(expected);
    expect(before).toEqual(expected);
    expect(after).toEqual(expected);
  });
});

/** `pushagent_tcp_connections` of each `# group` block of dry-run output, by check. */
function pushedCounts(stdout: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const block of stdout.split(/^(?=# group )/m).filter(Boolean)) {
    const check = /check="(\w+)"/.exec(block)?.[1] ?? '?';
    expect({ check, success: /^pushagent_check_success 1$/m.test(block) }).toEqual({ check, success: true });
    out[check] = Object.fromEntries(
      [...block.matchAll(/^pushagent_tcp_connections\{state="(\w+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
    );
  }
  return out;
}
