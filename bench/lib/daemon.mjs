// One `pushagent run` session: a config and checks in a temporary folder, the agent started as a
// plain `node dist/cli.js run` (so its pid is the agent's), CPU (agent + reaped children) and RSS
// sampled at the start and end of each window, JSON log lines parsed as they come. Bounded: it stops after warm-up +
// seconds, SIGTERM then SIGKILL 15 s later.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, anonMiB, cpuParts, rssMiB, sleep, tempDir, track } from './harness.mjs';

/**
 * @param {object} o
 * @param {string} o.gateway      URL of the Pushgateway, or undefined for stdout
 * @param {string} o.checks       YAML of the checks file
 * @param {string} [o.extraConfig] more lines of pushagent.config.yaml
 * @param {string} [o.logLevel]   info (default) or debug (a line per run, with lateness_seconds)
 * @param {Record<string, string>} [o.env] more environment variables for the agent (NODE_OPTIONS)
 * @param {number} o.warmupS      seconds before the first sample
 * @param {number} o.seconds      measured seconds
 * @param {number} [o.windowS]    a sample every windowS seconds (default 10)
 * @param {() => unknown} [o.during] called before each window, the agent stopped (SIGSTOP) meanwhile
 * @param {number} [o.settleMs]  after `during`, wait this long before the window starts (default 500)
 * @param {number} [o.intervalMs] the checks' interval: the agent is stopped just after a slot
 * @returns windows [{ a, b }] of samples { t, wall, cpu, own, rss, lines } (own: the process's CPU
 *   without its children's), runs (per-run log lines after warm-up), problems
 */
export async function daemonSession(o) {
  const dir = tempDir('daemon');
  mkdirSync(path.join(dir, 'checks'));
  const config = [o.gateway ? `pushgateway:\n  url: ${o.gateway}\n` : '', o.extraConfig ?? ''].join('');
  writeFileSync(path.join(dir, 'pushagent.config.yaml'), config);
  writeFileSync(path.join(dir, 'checks', 'bench.yaml'), o.checks);

  const agent = track(
    spawn(process.execPath, [CLI, 'run', '--log-level', o.logLevel ?? 'info'], {
      cwd: dir,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  const runs = []; // { lateness, ok } of each run logged after warm-up
  const problems = [];
  let measuring = false;
  let counted = 0;
  let rest = '';
  agent.stderr.setEncoding('utf8');
  agent.stderr.on('data', (chunk) => {
    rest += chunk;
    const lines = rest.split('\n');
    rest = lines.pop();
    for (const line of lines) {
      let e;
      try {
        e = JSON.parse(line);
      } catch {
        problems.push(line);
        continue;
      }
      if (typeof e.lateness_seconds === 'number') {
        counted += 1;
        if (measuring) runs.push({ lateness: e.lateness_seconds, ok: e.msg === 'check ok', check: e.check });
      } else if (e.level === 'warn' || e.level === 'error') {
        if (problems.length < 50)
          problems.push(`${e.msg}${e.check ? ` (${e.check})` : ''}${e.error ? `: ${e.error}` : ''}`);
      }
    }
  });
  const exited = new Promise((r) => agent.once('exit', (code, signal) => r({ code, signal })));
  const early = exited.then(({ code }) => {
    throw new Error(`pushagent run exited early (code ${code}): ${problems.slice(-5).join(' | ')}`);
  });
  const wait = (ms) => Promise.race([sleep(ms), early]);

  const sample = () => {
    const { own, children } = cpuParts(agent.pid);
    return {
      t: performance.now() / 1000,
      wall: Date.now(),
      cpu: own + children,
      own,
      rss: rssMiB(agent.pid),
      lines: counted,
    };
  };
  await wait(o.warmupS * 1000);
  measuring = true;
  const windowS = o.windowS ?? 10;
  const rssTrail = [];
  const anonTrail = [];
  const rssTimer = setInterval(() => {
    rssTrail.push(rssMiB(agent.pid));
    anonTrail.push(anonMiB(agent.pid));
  }, 1000);
  const started = performance.now() / 1000;
  const windows = [];
  for (let w = 1; w * windowS <= o.seconds + 1e-9; w += 1) {
    if (o.during) {
      // Work to compare in the same conditions (the baselines), between the windows, with the
      // agent stopped so that neither competes with the other for the CPUs: stopped just after a
      // slot's run, not in the middle of one, and once it goes on, the run of the slot missed
      // meanwhile happens before the window starts.
      if (o.intervalMs) await wait(o.intervalMs - (Date.now() % o.intervalMs) + Math.min(50, o.intervalMs / 4));
      agent.kill('SIGSTOP');
      try {
        await o.during();
      } finally {
        agent.kill('SIGCONT');
      }
      await wait(o.settleMs ?? 500);
    }
    const a = sample();
    // With work between the windows, each window lasts windowS from its start; without, the
    // windows tile the session.
    const end = o.during ? a.t + windowS : started + w * windowS;
    await wait(Math.max(0, (end - performance.now() / 1000) * 1000));
    windows.push({ a, b: sample() });
  }
  clearInterval(rssTimer);
  measuring = false;
  early.catch(() => {});
  agent.kill('SIGTERM');
  const killer = setTimeout(() => agent.kill('SIGKILL'), 15_000);
  const { code } = await exited;
  clearTimeout(killer);
  const all = windows.flatMap((w) => [w.a, w.b]);
  return {
    windows,
    runs,
    problems,
    exitCode: code,
    rssTrail,
    anonTrail,
    rssMax: Math.max(...rssTrail, ...all.map((x) => x.rss)),
  };
}
