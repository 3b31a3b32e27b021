// Benchmark "fleet": many simulated hosts in this one process, each with 8 checks at 15 s, driven
// by the agent's own code bundled from src/ (the Scheduler and its slots, splay's phase function,
// the Pushgateway sink with its queue and host grouping, the remote_write sink with its queue),
// against a real Pushgateway and a real VictoriaMetrics on loopback. The checks' results are made
// up (3 series + the 4 health gauges per check); their running is not what is measured.
//
// Each point: a fresh gateway, N hosts started at once, a 15 s fill (one interval: the gateway
// holds every group), then a 15 s window measured: push/write latency p50/p99 (from the sink's
// request to the answer, waiting for one of the process's connections included), requests
// completed ÷ needed, the receiver's CPU (% of one core) and RSS (/proc of its pid), this
// process's CPU. A point is saturated when the receiver does not keep up: fewer than 95 % of the
// needed requests complete in the window, or any fails (the sink's 5 s deadline, the agent's
// default); a combination stops at its first saturated N. Whether p99 stays within 1 s is shown too.
//
// remote_write twice: batched per simulated host (every host its own RemoteWriteSink and queue: a
// result goes out as soon as that host's previous request is answered, as 10,000 real agents
// would), and batched per process (one queue of the sink's HistoryQueue for all hosts, up to 2,000
// samples a request, what the receiver can take when the simulator is not the bound). The process
// shares 64 connections among its hosts.
import { spawn } from 'node:child_process';
import {
  bundleSrc,
  cpuSeconds,
  freePort,
  quantile,
  rssMiB,
  sleep,
  startGateway,
  target,
  tempDir,
  track,
} from './harness.mjs';

const INTERVAL_MS = 15_000;
const CHECKS = ['cpu', 'memory', 'disk', 'net', 'load', 'ntp', 'smart', 'raid'];
const CONNECTIONS = 64;

function loadSrc() {
  return bundleSrc('fleet', [
    [['Scheduler'], 'agent/scheduler.ts'],
    [['phaseMs'], 'agent/splay.ts'],
    [['PushgatewaySink'], 'sinks/pushgateway.ts'],
    [['RemoteWriteSink', 'batchSeries'], 'sinks/remote-write.ts'],
    [['seriesOf'], 'sinks/remote-write-series.ts'],
    [['HistoryQueue'], 'sinks/history-queue.ts'],
    [['encodeWriteRequest'], 'sinks/remote-write-proto.ts'],
    [['compress'], 'snappyjs'],
    [['HttpClient'], 'sinks/http-client.ts'],
    [['healthFamilies'], 'metrics/health.ts'],
    [['AgentStats'], 'metrics/agent-stats.ts'],
    [['createLogger'], 'log.ts'],
  ]);
}

async function startVictoria() {
  const port = await freePort();
  const proc = track(
    spawn(
      'victoria-metrics',
      [
        `-httpListenAddr=127.0.0.1:${port}`,
        `-storageDataPath=${tempDir('vm')}`,
        '-loggerLevel=ERROR',
        '-memory.allowedPercent=20',
      ],
      { stdio: 'ignore' },
    ),
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    await sleep(50);
  }
  return { url: `${url}/api/v1/write`, pid: proc.pid };
}

/**
 * A client that times every request through the shared one; close() does nothing (the bench closes the shared client).
 */
function timed(shared, record) {
  return {
    async request(...args) {
      const t0 = performance.now();
      try {
        const r = await shared.request(...args);
        record(t0, performance.now(), r.status < 300);
        return r;
      } catch (err) {
        record(t0, performance.now(), false);
        throw err;
      }
    },
    close: async () => {},
  };
}

/** One point: `n` hosts × 8 checks of `output` (gateway check|host, or remote_write), aligned or splayed. */
async function point(src, shared, { n, output, grouping, splay, receiver, fillMs, windowMs }) {
  const log = src.createLogger({ level: 'error', json: false, write: () => {} });
  const ctx = {
    mode: 'run',
    dryRun: false,
    stdout: () => {},
    log,
    stats: new src.AgentStats('bench'),
    version: 'bench',
    tickMs: () => INTERVAL_MS,
  };
  const requests = [];
  const client = timed(shared, (t0, t1, ok) => requests.push([t0, t1, ok]));
  const conn = { client, authorization: undefined, clientCert: false, release: async () => {} };
  const rwConfig = {
    url: receiver.url,
    timeout: 5000,
    headers: {},
    max_samples_per_send: 2000,
    max_backlog: 100_000,
    max_age: 3_600_000,
    max_backoff: 10_000,
  };
  const shared1 = output === 'remote_write_process' ? processBatch(src, client, receiver.url) : undefined;
  const sinkOf =
    output === 'gateway'
      ? () =>
          new src.PushgatewaySink(
            receiver.base,
            { url: [receiver.base], job: 'fleet', timeout: 5000, method: 'put', max_backoff: 10_000, grouping },
            conn,
            ctx,
          )
      : output === 'remote_write'
        ? () => new src.RemoteWriteSink(rwConfig, conn, ctx)
        : () => shared1;
  const hosts = new Map();
  const scheduler = new src.Scheduler({
    run: async (def, dueMs) => {
      const { sink, identity, check } = hosts.get(def.name);
      const v = dueMs / 1000;
      const families = [
        {
          name: `fleet_${check}_value`,
          type: 'gauge',
          help: 'A simulated value.',
          samples: ['a', 'b', 'c'].map((s) => ({ name: `fleet_${check}_value`, labels: { series: s }, value: v })),
        },
        ...src.healthFamilies({ success: true, durationSeconds: 0.01, exitCode: 0, timedOut: false }, {}),
      ];
      void sink.write({ identity, check, families, timeMs: dueMs });
    },
    skipped: () => {},
    error: (_d, err) => log.error(String(err)),
  });
  for (let h = 0; h < n; h += 1) {
    const instance = `host${h}.fleet.example.com`;
    const identity = { job: 'fleet', instance, labels: {} };
    const sink = sinkOf();
    for (const check of CHECKS) {
      const name = `${instance}/${check}`;
      hosts.set(name, { sink, identity, check });
      const def = {
        name,
        file: 'fleet',
        line: 1,
        col: 1,
        kind: 'exec',
        spec: {},
        describe: 'fleet',
        schedule: { kind: 'interval', ms: INTERVAL_MS },
        splayMs: splay ? INTERVAL_MS : 0,
        timeoutMs: 10_000,
        killGraceMs: 1000,
        labels: {},
      };
      scheduler.add(def, src.phaseMs(instance, check, def.splayMs));
    }
  }
  const pid = receiver.pid;
  await sleep(fillMs);
  const w0 = performance.now();
  const cpu0 = cpuSeconds(pid);
  const self0 = process.cpuUsage();
  await sleep(windowMs);
  const w1 = performance.now();
  const cpu1 = cpuSeconds(pid);
  const self1 = process.cpuUsage(self0);
  const rss = rssMiB(pid);
  await scheduler.stop();
  // Requests of the window still under way get a few seconds to finish, to time them.
  await sleep(3000);
  const inWindow = requests.filter(([t0]) => t0 >= w0 && t0 < w1);
  const lat = inWindow.map(([t0, t1]) => t1 - t0).sort((a, b) => a - b);
  const completed = requests.filter(([, t1, ok]) => ok && t1 >= w0 && t1 < w1).length;
  const failed = inWindow.filter(([, , ok]) => !ok).length;
  // Needed per interval: one request per check (check grouping, remote_write), one per host (host grouping).
  // Per process, the queue makes as many requests as the samples need: what it started is what was needed.
  const needed =
    output === 'remote_write_process'
      ? inWindow.length
      : ((grouping === 'host' ? n : n * CHECKS.length) * (w1 - w0)) / INTERVAL_MS;
  const r = {
    n,
    p50: quantile(lat, 0.5) ?? NaN,
    p99: quantile(lat, 0.99) ?? NaN,
    perSecond: completed / ((w1 - w0) / 1000),
    neededPerSecond: needed / ((w1 - w0) / 1000),
    failed,
    cpuPct: (100 * (cpu1 - cpu0)) / ((w1 - w0) / 1000),
    selfPct: (100 * (self1.user + self1.system)) / 1000 / (w1 - w0),
    rss,
  };
  r.saturated = completed < 0.95 * needed || failed > 0 || (shared1 !== undefined && shared1.backlog() > 2000);
  r.within1s = r.p99 <= 1000;
  // Every sink closed (its queue dropped, nothing retried into the next point).
  await Promise.all([...new Set([...hosts.values()].map((h) => h.sink))].map((sink) => sink.close(100)));
  return r;
}

/** All hosts' samples through one queue of the remote_write sink's own (HistoryQueue, 2,000 samples a request). */
function processBatch(src, client, url) {
  const headers = {
    'content-encoding': 'snappy',
    'content-type': 'application/x-protobuf',
    'x-prometheus-remote-write-version': '0.1.0',
  };
  const queue = new src.HistoryQueue({
    send: async (batch) => {
      const body = src.compress(src.encodeWriteRequest(src.batchSeries(batch.map((q) => q.item))));
      try {
        const r = await client.request(url, 'POST', headers, body, 5000);
        return r.status < 300 ? { ok: true } : { ok: false, retryable: r.status >= 500, error: `HTTP ${r.status}` };
      } catch (err) {
        return { ok: false, retryable: true, error: err.message };
      }
    },
    maxPerSend: 2000,
    capacity: 1_000_000,
    maxAgeMs: 3_600_000,
    maxBackoffMs: 10_000,
  });
  return {
    write: async (report) => {
      queue.enqueue(
        src.seriesOf(report).map((s) => ({
          seriesKey: s.key,
          timestampMs: report.timeMs,
          item: { labels: s.labels, sample: { value: s.value, timestampMs: report.timeMs } },
        })),
      );
      return { ok: true };
    },
    close: async () => queue.close(),
    backlog: () => queue.size,
  };
}

const COMBOS = [
  { id: 'gateway, check grouping, aligned', output: 'gateway', grouping: 'check', splay: false },
  { id: 'gateway, check grouping, splayed', output: 'gateway', grouping: 'check', splay: true },
  { id: 'gateway, host grouping, aligned', output: 'gateway', grouping: 'host', splay: false },
  { id: 'gateway, host grouping, splayed', output: 'gateway', grouping: 'host', splay: true },
  {
    id: 'remote_write → VictoriaMetrics (per host), splayed',
    output: 'remote_write',
    grouping: 'check',
    splay: true,
    from: 1000,
  },
  {
    id: 'remote_write → VictoriaMetrics (per process), splayed',
    output: 'remote_write_process',
    grouping: 'check',
    splay: true,
    from: 3000,
  },
];

export async function fleet({ sizes, fillS, windowS, combos, log }) {
  const src = await loadSrc();
  const shared = await src.HttpClient.create({
    rejectUnauthorized: true,
    connections: CONNECTIONS,
    userAgent: 'pushagent-bench',
  });
  const rows = [];
  const held = {};
  const within1s = {};
  const byCombo = {};
  let vm;
  try {
    for (const combo of COMBOS.filter(
      (c) =>
        !combos ||
        combos.includes(c.output === 'gateway' ? `${c.grouping}-${c.splay ? 'splayed' : 'aligned'}` : c.output),
    )) {
      held[combo.id] = 0;
      byCombo[combo.id] = [];
      for (const n of sizes.filter((x) => x >= (combo.from ?? 0))) {
        let receiver;
        let gw;
        if (combo.output === 'gateway') {
          gw = await startGateway();
          receiver = { base: gw.url, pid: gw.pid };
        } else {
          vm ??= await startVictoria();
          receiver = vm;
        }
        const r = await point(src, shared, { n, ...combo, receiver, fillMs: fillS * 1000, windowMs: windowS * 1000 });
        if (gw) await gw.stop();
        byCombo[combo.id].push(r);
        if (r.within1s && !r.saturated) within1s[combo.id] = n;
        log(
          `  ${combo.id}, ${n} hosts: p50/p99 ${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} ms, ${r.perSecond.toFixed(0)} of ${r.neededPerSecond.toFixed(0)} req/s, ${r.failed} failed, receiver CPU ${r.cpuPct.toFixed(0)} % RSS ${r.rss.toFixed(0)} MiB, bench CPU ${r.selfPct.toFixed(0)} %${r.saturated ? ' — SATURATED' : ''}`,
        );
        rows.push([
          combo.id,
          String(n),
          `${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} ms${r.within1s ? '' : ' (> 1 s)'}`,
          `${r.perSecond.toFixed(0)} / ${r.neededPerSecond.toFixed(0)}${r.failed ? ` (${r.failed} failed)` : ''}`,
          `${r.cpuPct.toFixed(0)} %`,
          `${r.rss.toFixed(0)} MiB`,
          `${r.selfPct.toFixed(0)} %`,
          r.saturated ? '**saturated**' : 'holds',
        ]);
        if (r.saturated) break;
        held[combo.id] = n;
        await sleep(1000);
      }
    }
  } finally {
    await shared.close();
  }
  const targets = [];
  const base = held['gateway, check grouping, aligned'];
  const best = held['gateway, host grouping, splayed'];
  if (base !== undefined && best !== undefined) {
    const ratio = best / Math.max(base, 1);
    targets.push(
      target(
        'gateway: hosts held, host grouping + splay ÷ check grouping aligned',
        ratio,
        '>=',
        5,
        (v) => `${v.toFixed(1)}×${v === ratio ? ` (${best} vs ${base || 'none'})` : ''}`,
      ),
    );
  }
  for (const [id, how] of [
    ['remote_write → VictoriaMetrics (per host), splayed', 'per host'],
    ['remote_write → VictoriaMetrics (per process), splayed', 'per process'],
  ]) {
    if (!byCombo[id]) continue;
    const rw = byCombo[id].find((r) => r.n === 10_000);
    const shown = (v) =>
      Number.isFinite(v)
        ? `${v.toFixed(1)} ms`
        : rw?.saturated
          ? `saturated (p99 ${rw.p99.toFixed(0)} ms)`
          : 'not reached';
    targets.push(
      target(
        `remote_write batched ${how}: 10,000 hosts × 8 checks at 15 s, p99 write latency`,
        rw && !rw.saturated ? rw.p99 : Number.POSITIVE_INFINITY,
        '<=',
        100,
        shown,
      ),
    );
  }
  return {
    id: 'fleet',
    title: `Fleet: N simulated hosts × 8 checks at 15 s in one process (the agent's scheduler, splay, sinks), ${fillS} s fill + ${windowS} s measured per point`,
    header: [
      'output',
      'hosts',
      'latency p50 / p99',
      'requests/s done / needed',
      'receiver CPU (% of a core)',
      'receiver RSS',
      'bench process CPU',
      '',
    ],
    rows,
    notes: [
      `Hosts held (the largest N that kept up, of ${sizes.join(', ')}): ${Object.entries(held)
        .map(([k, v]) => `${k}: ${v || 'none'}`)
        .join('; ')}. With p99 within 1 s: ${
        Object.entries(within1s)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ') || 'none'
      }.`,
      `Saturated: under 95 % of the needed requests done in the window, or any failed (the 5 s deadline; per process: a backlog past one request). remote_write per process: "needed" is the requests its queue made. Latency includes waiting for one of the ${CONNECTIONS} connections the process shares. 2 cores are shared by the receiver and this process.`,
    ],
    targets,
    held,
  };
}
