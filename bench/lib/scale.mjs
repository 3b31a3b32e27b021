// Benchmark 4, scale and precision: many checks at 1 s in one `pushagent run`, pushing to a
// Pushgateway. Scheduling lateness of every run (the agent's debug line per run carries
// `lateness_seconds`), skipped slots (the agent's own counter, pushed on the way out), CPU % of
// one core (agent + children), RSS (sampled each second) in the first and the last 10 s.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { daemonSession } from './daemon.mjs';
import {
  ROOT,
  bundleSrc,
  fmt,
  quantile,
  spread,
  startGateway,
  stats,
  sumSamples,
  target,
  tempDir,
} from './harness.mjs';

/** Milliseconds a bare Node process takes to start `count` processes at once (median of 5 bursts). */
function spawnBurst(count) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'lib', 'bare-spawn.mjs'), String(count), '5'], {
    encoding: 'utf8',
  });
  return stats(JSON.parse(r.stdout)).median / 1000;
}

/**
 * The floor of the exec lateness with splay (bare-splay.mjs): a bare Node process starting `count`
 * commands through execa at the phases the agent gives checks exec_0..N-1 here.
 */
async function splayFloor({ count, warmupS, seconds }) {
  const { phaseMs, resolveInstance } = await bundleSrc('splay', [
    [['phaseMs'], 'agent/splay.ts'],
    [['resolveInstance'], 'host.ts'],
  ]);
  const instance = await resolveInstance(undefined);
  const file = path.join(tempDir('phases'), 'phases.json');
  writeFileSync(file, JSON.stringify(Array.from({ length: count }, (_, i) => phaseMs(instance, `exec_${i}`, 1000))));
  const script = path.join(ROOT, 'bench', 'lib', 'bare-splay.mjs');
  const args = [script, file, '1000', String(warmupS), String(seconds)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: (warmupS + seconds + 60) * 1000 });
  if (r.status !== 0) throw new Error(`bare-splay.mjs failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The NODE_OPTIONS the shipped systemd unit starts the agent with (contrib/pushagent.service). */
function unitNodeOptions() {
  const unit = readFileSync(path.join(ROOT, 'contrib', 'pushagent.service'), 'utf8');
  const m = /^Environment=NODE_OPTIONS="([^"]*)"$/m.exec(unit);
  if (!m) throw new Error('contrib/pushagent.service sets no NODE_OPTIONS');
  return m[1];
}

const span = (trail) => Math.max(1, Math.min(10, Math.floor(trail.length / 3)));

export const SCALE_KINDS = {
  exec: {
    label: 'exec `true` (`command: "true"`)',
    check: (i) => `- name: exec_${i}\n  command: "true"\n  interval: 1s\n`,
  },
  // The same checks, one push per tick for the whole host instead of one per run (docs/fleet.md).
  execHost: {
    label: 'exec `true`, `grouping: host`',
    check: (i) => `- name: exec_${i}\n  command: "true"\n  interval: 1s\n`,
    extraConfig: '  grouping: host\n',
  },
  // As the shipped systemd unit starts it: V8's heap and worker pool sized for a daemon.
  execUnit: {
    label: `exec \`true\`, with the systemd unit's NODE_OPTIONS (\`${unitNodeOptions()}\`)`,
    check: (i) => SCALE_KINDS.exec.check(i),
    env: { NODE_OPTIONS: unitNodeOptions() },
  },
  tcp: { label: 'built-in `tcp: {}`', check: (i) => `- name: tcp_${i}\n  tcp: {}\n  interval: 1s\n` },
};

/**
 * The scale sessions' warm-up. The agent's resident memory climbs for its first ~15 s under 200
 * checks at 1 s (with `tcp: {}`: 92 → 111 MiB, the heap sized and the thread pool's malloc arenas
 * filled by the reads of /proc/net/tcp) and then stays flat (111–124 MiB with each GC cycle, 113–114
 * MiB each minute over 5 minutes, 2026-12-04): after a 5 s warm-up, "growth" measured that climb.
 */
export const SCALE_WARMUP_S = 20;

/** One session of `count` checks of a kind; the figures of benchmark 4 (also used by daemon-soak.mjs). */
export async function scaleSession({
  count,
  kind,
  checks,
  seconds,
  intervalS = 1,
  warmupS = SCALE_WARMUP_S,
  windowS = 10,
  extraConfig,
  env,
}) {
  const gw = await startGateway();
  const yaml = checks ?? Array.from({ length: count }, (_, i) => SCALE_KINDS[kind].check(i)).join('');
  extraConfig ??= kind && SCALE_KINDS[kind].extraConfig;
  env ??= kind && SCALE_KINDS[kind].env;
  const s = await daemonSession({
    gateway: gw.url,
    checks: yaml,
    extraConfig,
    env,
    logLevel: 'debug',
    warmupS,
    seconds,
    windowS,
  });
  const text = await gw.scrape();
  await gw.stop();
  const lateness = s.runs.map((r) => r.lateness).sort((a, b) => a - b);
  // Splay: a check starts at its slot (n × interval + its phase) plus its lateness, so how far its
  // lateness strays from that check's median is how far its start strays from a steady phase.
  const byCheck = new Map();
  for (const r of s.runs) byCheck.set(r.check, [...(byCheck.get(r.check) ?? []), r.lateness]);
  const drifts = [...byCheck.values()]
    .flatMap((l) => {
      const m = stats(l).median;
      return l.map((x) => Math.abs(x - m));
    })
    .sort((a, b) => a - b);
  const phaseDrift = quantile(drifts, 0.99);
  const phaseDriftMax = drifts.at(-1) ?? Number.NaN;
  const cpuPct = s.windows.map(({ a, b }) => (100 * (b.cpu - a.cpu)) / (b.t - a.t));
  const first = s.windows[0].a;
  const last = s.windows.at(-1).b;
  return {
    count,
    seconds,
    runs: lateness.length,
    expected: Math.round((count * (last.t - first.t)) / intervalS),
    failed: s.runs.filter((r) => !r.ok).length,
    p50: quantile(lateness, 0.5),
    p99: quantile(lateness, 0.99),
    max: lateness.at(-1) ?? Number.NaN,
    skipped: sumSamples(text, 'pushagent_check_skipped_slots_total'),
    phaseDrift,
    phaseDriftMax,
    cpuPct: stats(cpuPct),
    cpuPerRun: (last.cpu - first.cpu) / Math.max(1, lateness.length),
    // Medians of the first and last 10 s (a third of shorter runs): RSS swings by several MiB with
    // each GC and malloc cycle, so two single readings say more about the cycle than the trend.
    rssStart: stats(s.rssTrail.slice(0, span(s.rssTrail))).median,
    rssEnd: stats(s.rssTrail.slice(-span(s.rssTrail))).median,
    rssMax: s.rssMax,
    anonEnd: stats(s.anonTrail.slice(-span(s.anonTrail))).median,
    rssEachMinute: s.rssTrail.filter((_, i) => i % 60 === 59),
    problems: s.problems,
  };
}

export async function scale({ count, seconds, kinds, log }) {
  const rows = [];
  const targets = [];
  const figures = {};
  for (const kind of kinds) {
    const r = await scaleSession({ count, kind, seconds });
    figures[kind] = r;
    const label = SCALE_KINDS[kind].label;
    const name = { execHost: 'exec, grouping: host', execUnit: "exec, the unit's NODE_OPTIONS" }[kind] ?? kind;
    log(
      `  ${count} × ${label}: lateness p50/p99/max ${fmt.ms(r.p50)} / ${fmt.ms(r.p99)} / ${fmt.ms(r.max)}, ${r.runs}/${r.expected} runs, ${r.failed} failed, ${r.skipped} skipped, CPU ${spread(r.cpuPct, fmt.pct)}, RSS ${fmt.mib(r.rssStart)} → ${fmt.mib(r.rssEnd)}`,
    );
    if (r.failed > 0 || r.problems.length > 0) log(`  problems: ${r.problems.slice(0, 5).join(' | ')}`);
    rows.push([
      `${count} × ${label}`,
      `${fmt.ms(r.p50)} / ${fmt.ms(r.p99)} / ${fmt.ms(r.max)}`,
      `${r.runs} / ${r.expected}, ${r.failed} failed, ${r.skipped} skipped, phase ±${fmt.ms(r.phaseDrift)} p99 (max ${fmt.ms(r.phaseDriftMax)})`,
      spread(r.cpuPct, fmt.pct),
      `${(r.cpuPerRun * 1000).toFixed(2)} ms`,
      `${fmt.mib(r.rssStart)} → ${fmt.mib(r.rssEnd)} (max ${fmt.mib(r.rssMax)})`,
    ]);
    const ms = (v) => `${(v * 1000).toFixed(1)} ms`;
    targets.push(target(`${name}: lateness p99`, r.p99, '<=', 0.02, ms));
    targets.push(target(`${name}: skipped slots`, r.skipped, '==', 0, String));
    targets.push(
      target(
        `${name}: phase stable (p99 of |start − slot − the check's median|, splay on)`,
        r.phaseDrift,
        '<=',
        0.02,
        ms,
      ),
    );
    targets.push(
      target(
        `${name}: RSS growth (last 10 s − first 10 s, medians)`,
        r.rssEnd - r.rssStart,
        '<',
        10,
        (v) => `${v.toFixed(1)} MiB`,
      ),
    );
  }
  const notes = [];
  if (kinds.includes('exec')) {
    const burst = spawnBurst(count);
    notes.push(
      `Floor of the exec lateness without splay: a bare Node process starting ${count} \`sh -c true\` at once (child_process forks and waits for each exec in turn) starts the last ${fmt.ms(burst)} after the first.`,
    );
    const f = await splayFloor({ count, warmupS: 5, seconds });
    figures.execFloor = f;
    notes.push(
      `Floor of the exec lateness with splay: a bare Node process (${fmt.mib(f.rssMiB)} at the end; the agent ${fmt.mib(figures.exec.rssEnd)}, ${fmt.mib(figures.exec.anonEnd)} of it anonymous) starting the same ${count} commands through execa at the agent's phases (one timer per check, nothing else: no parsing, push or log) is late by p50 ${f.p50} ms / p99 ${f.p99} ms / max ${f.max} ms over ${f.runs} runs, at ${f.cpuPerRunMs.toFixed(2)} ms of CPU per run (the agent: ${fmt.ms(figures.exec.p50)} / ${fmt.ms(figures.exec.p99)} / ${fmt.ms(figures.exec.max)}, ${(figures.exec.cpuPerRun * 1000).toFixed(2)} ms${figures.execHost ? `; with \`grouping: host\`: ${fmt.ms(figures.execHost.p50)} / ${fmt.ms(figures.execHost.p99)} / ${fmt.ms(figures.execHost.max)}, ${(figures.execHost.cpuPerRun * 1000).toFixed(2)} ms` : ''}).`,
    );
    targets.push(
      target(
        'exec: lateness p99 above the splay floor (same phases, bare Node + execa)',
        figures.exec.p99 - f.p99 / 1000,
        '<=',
        0.02,
        (v) => `${(v * 1000).toFixed(1)} ms`,
      ),
    );
  }
  return {
    id: 'scale',
    notes,
    title: `Scale and precision: ${count} checks at 1 s for ${seconds} s after a ${SCALE_WARMUP_S} s warm-up, splay on (the default), at --log-level debug (a line per run and per push)`,
    header: [
      'checks',
      'lateness p50 / p99 / max',
      'runs / expected',
      'CPU % of one core (10 s windows)',
      'CPU per run',
      'RSS, median of the first → last 10 s',
    ],
    rows,
    targets,
    figures,
  };
}
