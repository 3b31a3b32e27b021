// Benchmark "outputs": why and when to move from a Pushgateway to remote_write.
//  1. The Pushgateway's knee: the time of one PUT (a 3-series group) with 100 ... 4,000 groups
//     stored. The gateway checks the consistency of everything it holds on every push, so a push
//     costs in proportion to the whole store; hosts × checks / interval gives where it saturates.
//  2. The same data (checks × series per round) written as remote_write requests (pushagent's own
//     encoder, snappy and HTTP client, bundled from src/ as the CLI is) into VictoriaMetrics and
//     Prometheus, beside the same data pushed as text, one PUT per check, to a gateway: samples per
//     second and the writer's CPU per sample. The encode + compress alone is measured as the floor.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleSrc, freePort, have, sleep, startGateway, stats, target, tempDir, track } from './harness.mjs';

function loadSrc() {
  return bundleSrc('outputs', [
    [['encodeWriteRequest'], 'sinks/remote-write-proto.ts'],
    [['HttpClient'], 'sinks/http-client.ts'],
    [['serialize'], 'expose/text.ts'],
    [['compress'], 'snappyjs'],
  ]);
}

async function waitHttp(url, ms = 15_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {}
    await sleep(50);
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

async function startVictoria() {
  const port = await freePort();
  track(
    spawn(
      'victoria-metrics',
      [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${tempDir('vm')}`, '-loggerLevel=ERROR'],
      { stdio: 'ignore' },
    ),
  );
  await waitHttp(`http://127.0.0.1:${port}/health`);
  return `http://127.0.0.1:${port}/api/v1/write`;
}

async function startPrometheus() {
  const port = await freePort();
  const dir = tempDir('prom');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global: {}\n');
  track(
    spawn(
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--log.level=error',
      ],
      { stdio: 'ignore' },
    ),
  );
  await waitHttp(`http://127.0.0.1:${port}/-/ready`);
  return `http://127.0.0.1:${port}/api/v1/write`;
}

const group = (i) => `/metrics/job/bench/instance/host${Math.floor(i / 8)}/check/c${i % 8}`;
const body3 = (v) =>
  `# TYPE bench_value gauge\nbench_value{series="a"} ${v}\nbench_value{series="b"} ${v}\nbench_value{series="c"} ${v}\n`;

/** ms per sequential PUT of a 3-series group, with `stored` groups in the gateway. */
async function gatewayKnee(http, sizes, puts, log) {
  const rows = [];
  const gw = await startGateway();
  let filled = 0;
  for (const n of sizes) {
    while (filled < n) {
      const batch = [];
      for (let i = 0; i < 16 && filled < n; i += 1, filled += 1)
        batch.push(http.request(gw.url + group(filled), 'PUT', {}, body3(1), 30_000));
      await Promise.all(batch);
    }
    const times = [];
    for (let i = 0; i < puts; i += 1) {
      const t0 = performance.now();
      const r = await http.request(gw.url + group(i % n), 'PUT', {}, body3(i), 30_000);
      if (r.status !== 200) throw new Error(`PUT: HTTP ${r.status}`);
      times.push(performance.now() - t0);
    }
    const st = stats(times);
    // Sequential pushes: one gateway serves interval / time-per-push groups per interval.
    const capacity15s = Math.floor(15_000 / st.median);
    rows.push({ n, st, capacity15s, saturated: n > capacity15s });
    log(`  gateway with ${n} groups: ${st.median.toFixed(2)} ms per PUT`);
  }
  await gw.stop();
  return rows;
}

/** `rounds` rounds of `checks` checks × `perCheck` series: as remote_write requests, and as text PUTs. */
async function throughput(src, http, rounds, checks, perCheck, log) {
  const families = (round) =>
    Array.from({ length: checks }, () => [
      {
        name: 'bench_value',
        type: 'gauge',
        help: 'A benchmark series.',
        samples: Array.from({ length: perCheck }, (_, s) => ({
          name: 'bench_value',
          labels: { series: `s${s}` },
          value: round * 1000 + s,
        })),
      },
    ]);
  const seriesOf = (round, t) =>
    families(round).flatMap((fams, c) =>
      fams[0].samples.map((s) => ({
        labels: [
          ['__name__', 'bench_value'],
          ['check', `c${c}`],
          ['instance', 'bench01'],
          ['job', 'bench'],
          ['series', s.labels.series],
        ],
        samples: [{ value: s.value, timestampMs: t }],
      })),
    );
  const samplesPerRound = checks * perCheck;
  const measure = async (label, one) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let r = 0; r < rounds; r += 1) await one(r);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const total = rounds * samplesPerRound;
    const row = { label, perSecond: total / wall, cpuUsPerSample: (cpu.user + cpu.system) / total };
    log(`  ${label}: ${Math.round(row.perSecond)} samples/s, ${row.cpuUsPerSample.toFixed(2)} µs CPU per sample`);
    return row;
  };
  const start = Date.now() - rounds * 1000;
  const rows = [];
  rows.push(
    await measure(
      'encode + snappy only (floor)',
      async (r) => void src.compress(src.encodeWriteRequest(seriesOf(r, start + r * 1000))),
    ),
  );
  for (const [name, url] of [
    ['VictoriaMetrics', await startVictoria()],
    ['Prometheus', await startPrometheus()],
  ]) {
    rows.push(
      await measure(`remote_write → ${name}`, async (r) => {
        const body = src.compress(src.encodeWriteRequest(seriesOf(r, start + r * 1000)));
        const res = await http.request(
          url,
          'POST',
          {
            'content-encoding': 'snappy',
            'content-type': 'application/x-protobuf',
            'x-prometheus-remote-write-version': '0.1.0',
          },
          body,
          30_000,
        );
        if (res.status >= 300) throw new Error(`${name}: HTTP ${res.status}: ${res.text}`);
      }),
    );
  }
  const gw = await startGateway();
  rows.push(
    await measure('text PUTs → Pushgateway (one per check)', async (r) => {
      const all = families(r);
      for (let c = 0; c < checks; c += 1) {
        const res = await http.request(
          `${gw.url}/metrics/job/bench/instance/bench01/check/c${c}`,
          'PUT',
          { 'content-type': 'text/plain; version=0.0.4' },
          src.serialize(all[c]),
          30_000,
        );
        if (res.status !== 200) throw new Error(`gateway: HTTP ${res.status}: ${res.text}`);
      }
    }),
  );
  await gw.stop();
  return rows;
}

export async function outputs({ sizes, puts, rounds, checks, perCheck, log }) {
  for (const tool of ['victoria-metrics', 'prometheus']) {
    if (!have(tool, tool === 'victoria-metrics' ? ['-version'] : ['--version']))
      throw new Error(`${tool} is missing (Debian: apt-get install ${tool})`);
  }
  const src = await loadSrc();
  const http = await src.HttpClient.create({ rejectUnauthorized: true, connections: 1 });
  try {
    const knee = await gatewayKnee(http, sizes, puts, log);
    const tp = await throughput(src, http, rounds, checks, perCheck, log);
    const gateway = tp.find((r) => r.label.startsWith('text'));
    const vm = tp.find((r) => r.label.includes('Victoria'));
    const firstSaturated = knee.find((k) => k.saturated);
    return {
      id: 'outputs',
      title: `Outputs: the Pushgateway's knee; remote_write beside text pushes (${checks} checks × ${perCheck} series per round, ${rounds} rounds)`,
      header: ['measure', 'figure', 'ratio'],
      rows: [
        ...knee.map((k) => [
          `gateway PUT with ${k.n} groups stored`,
          `${k.st.median.toFixed(2)} ms (${k.st.min.toFixed(2)} – ${k.st.max.toFixed(2)})`,
          `≈ ${k.capacity15s} groups per 15 s${k.saturated ? ' (saturated)' : ''}`,
        ]),
        ...tp.map((r) => [
          r.label,
          `${Math.round(r.perSecond)} samples/s, ${r.cpuUsPerSample.toFixed(2)} µs CPU/sample`,
          gateway ? `${(r.perSecond / gateway.perSecond).toFixed(1)}× the gateway's samples/s` : '',
        ]),
      ],
      notes: [
        'A gateway push is sequential here, as the daemon\'s one connection per gateway makes it; "groups per 15 s" = 15 s / time per PUT at that size. ' +
          (firstSaturated
            ? `The first size past its own capacity: ${firstSaturated.n} groups.`
            : 'No size measured here saturates it.'),
      ],
      targets:
        vm && gateway
          ? [
              target(
                'remote_write samples/s ÷ gateway samples/s (same data)',
                vm.perSecond / gateway.perSecond,
                '>=',
                1,
              ),
            ]
          : [],
    };
  } finally {
    await http.close();
  }
}
