// Benchmark 1, one-shot start: the wall time of one `pushagent once` with the netstat WAIT check
// pushing to a Pushgateway, against the scripts it replaces (each with its own gateway) and
// `node -e 0`, the floor of anything written for Node. Runs are interleaved, so a slow spell of
// the machine hits every command alike.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { CLI, PEERS, ROOT, fmt, spread, startGateway, stats, target, tempDir } from './harness.mjs';

const NETSTAT_CHECK = `name: netstat_wait
command: netstat -an | grep -i wait | wc -l
timeout: 5s
metric:
  name: count_netstat_wait_connections
  help: Sockets in a WAIT state, as counted by netstat.
`;

/**
 * The chosen libraries `once -c FILE` loads (commander, zod, yaml, execa, undici), bundled as the
 * CLI is and loaded with Node's module compile cache where it has one (>= 22.1), as the CLI does:
 * without `job`, nothing done (what any `once` on this stack costs before its own work); with it,
 * bare-once.mjs's job done with them and no code of ours: the config's text parsed by yaml and
 * checked by a zod schema, `hostname -f` and the check's command through execa side by side, one
 * PUT through undici. The floor of `once` on this stack.
 */
async function stackScript(name, job) {
  const dir = tempDir(`stack-${name}`);
  const entry = path.join(dir, 'entry.mjs');
  writeFileSync(
    entry,
    [
      "import { Command } from 'commander';",
      "import { execa } from 'execa';",
      // undici's Pool and request() from their own modules, as src/sinks/http-client.ts loads them.
      "import Pool from 'undici/lib/dispatcher/pool.js';",
      "import request from 'undici/lib/api/api-request.js';",
      "import { parseDocument } from 'yaml';",
      "import * as z from 'zod';",
      ...(job
        ? [
            "import { readFileSync } from 'node:fs';",
            "const opts = new Command().option('-c, --config <file>').parse(process.argv).opts();",
            'const config = z.object({ pushgateway: z.object({ url: z.url() }) })',
            "  .parse(parseDocument(readFileSync(opts.config, 'utf8')).toJS());",
            'const check = z.object({ name: z.string(), command: z.string(), timeout: z.string() }).loose()',
            "  .parse(parseDocument(readFileSync('checks/netstat-wait.yaml', 'utf8')).toJS());",
            "const run = async (file, args) => (await execa(file, args, { stdin: 'ignore', detached: true })).stdout.trim();",
            "const [host, count] = await Promise.all([run('hostname', ['-f']), run('/bin/sh', ['-c', check.command])]);",
            'const body = `# TYPE count_netstat_wait_connections gauge\\ncount_netstat_wait_connections ${Number(count)}\\n`;',
            'const url = new URL(config.pushgateway.url);',
            'const pool = new Pool(url.origin, { connections: 1 });',
            "const r = await request.call(pool, { method: 'PUT', path: `/metrics/job/stack_job/instance/${host}`, body });",
            'await r.body.text();',
            'if (r.statusCode !== 200) throw new Error(`PUT answered ${r.statusCode}`);',
            'await pool.close();',
          ]
        : ['globalThis.keep = [Command, execa, Pool, request, parseDocument, z];']),
    ].join('\n'),
  );
  await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.18',
    outfile: path.join(dir, 'libs.mjs'),
    nodePaths: [path.join(ROOT, 'node_modules')],
    logLevel: 'warning',
    banner: { js: "import{createRequire as __r}from'node:module';const require=__r(import.meta.url);" },
  });
  const run = path.join(dir, 'run.mjs');
  const cache = JSON.stringify(path.join(dir, 'cache'));
  writeFileSync(
    run,
    `import module from 'node:module';\nmodule.enableCompileCache?.(${cache});\nawait import('./libs.mjs');\n`,
  );
  return run;
}

export async function oneShot({ runs, log }) {
  const gw = {};
  const commands = [];
  const add = (id, label, file, args, opts = {}) => commands.push({ id, label, file, args, ...opts });

  add('node', '`node -e 0` (floor)', process.execPath, ['-e', '0']);

  gw.seed = await startGateway();
  add('seed', 'seed-script.sh (bash + netstat + curl)', 'bash', [path.join(PEERS, 'seed-script.sh')], {
    env: { PUSHGATEWAY: gw.seed.url },
  });

  // prom-client resolved from our node_modules: the peers folder is read-only.
  const pcDir = tempDir('prom-client');
  copyFileSync(path.join(PEERS, 'prom-client-push.mjs'), path.join(pcDir, 'prom-client-push.mjs'));
  mkdirSync(path.join(pcDir, 'node_modules'));
  symlinkSync(path.join(ROOT, 'node_modules', 'prom-client'), path.join(pcDir, 'node_modules', 'prom-client'));
  gw.promClient = await startGateway();
  add(
    'promClient',
    'prom-client-push.mjs (Node + prom-client)',
    process.execPath,
    [path.join(pcDir, 'prom-client-push.mjs')],
    { env: { PUSHGATEWAY: gw.promClient.url } },
  );

  const py = path.join(PEERS, 'python-client-push.py');
  const interpreter = readFileSync(py, 'utf8')
    .split('\n')[0]
    .replace(/^#!\s*/, '')
    .split(' ');
  if (
    spawnSync(interpreter[0], [...interpreter.slice(1), '-c', 'import prometheus_client'], { stdio: 'ignore' })
      .status === 0
  ) {
    gw.python = await startGateway();
    add('python', 'python-client-push.py (prometheus_client)', interpreter[0], [...interpreter.slice(1), py], {
      env: { PUSHGATEWAY: gw.python.url },
    });
  } else {
    log(
      '  python-client-push.py skipped: no prometheus_client for its interpreter (Debian: apt-get install python3-prometheus-client)',
    );
  }

  gw.bare = await startGateway();
  add(
    'bare',
    'bare-once.mjs (Node, no library: the floor of the job in Node)',
    process.execPath,
    [path.join(ROOT, 'bench', 'lib', 'bare-once.mjs')],
    { env: { PUSHGATEWAY: gw.bare.url } },
  );

  add(
    'stackLoad',
    'the libraries `once` loads (commander, zod, yaml, execa, undici), bundled, nothing done: the floor of the stack',
    process.execPath,
    [await stackScript('load', false)],
  );

  gw.stackJob = await startGateway();
  const jobDir = tempDir('stack-job-run');
  mkdirSync(path.join(jobDir, 'checks'));
  writeFileSync(path.join(jobDir, 'checks', 'netstat-wait.yaml'), NETSTAT_CHECK);
  writeFileSync(path.join(jobDir, 'config.yaml'), `pushgateway:\n  url: ${gw.stackJob.url}\n`);
  add(
    'stackJob',
    'the same libraries doing the job (yaml + zod on the config, execa, an undici PUT), no code of ours: the floor of `once` on this stack',
    process.execPath,
    [await stackScript('job', true), '-c', 'config.yaml'],
    { cwd: jobDir },
  );

  const dir = tempDir('once');
  mkdirSync(path.join(dir, 'checks'));
  writeFileSync(path.join(dir, 'checks', 'netstat-wait.yaml'), NETSTAT_CHECK);
  gw.pushagent = await startGateway();
  writeFileSync(path.join(dir, 'config.yaml'), `pushgateway:\n  url: ${gw.pushagent.url}\n`);
  add('once', '`pushagent once -c config.yaml`', process.execPath, [CLI, 'once', '-c', 'config.yaml'], { cwd: dir });
  add(
    'dryRun',
    '`pushagent once -c config.yaml --dry-run` (no push)',
    process.execPath,
    [CLI, 'once', '-c', 'config.yaml', '--dry-run'],
    { cwd: dir },
  );

  const times = new Map(commands.map((c) => [c.id, []]));
  const runOne = (c) => {
    const t0 = performance.now();
    const r = spawnSync(c.file, c.args, {
      cwd: c.cwd ?? dir,
      env: { ...process.env, ...c.env },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 30_000,
    });
    const s = (performance.now() - t0) / 1000;
    if (r.status !== 0)
      throw new Error(`${c.label} failed (exit ${r.status ?? r.signal}): ${String(r.stderr).trim().slice(0, 500)}`);
    return s;
  };
  for (let i = 0; i < 2; i += 1) for (const c of commands) runOne(c); // warm-up: page cache, gateways
  for (let i = 0; i < runs; i += 1) for (const c of commands) times.get(c.id).push(runOne(c));

  // Every command did its job: its group is on its gateway.
  const expect = async (g, job, extra = () => true) => {
    const groups = await g.groups();
    if (!groups.some((l) => l.job === job && extra(l)))
      throw new Error(`no ${job} group on ${g.url}: ${JSON.stringify(groups)}`);
  };
  await expect(gw.seed, 'pushgateway1');
  await expect(gw.promClient, 'prom_client_baseline');
  if (gw.python) await expect(gw.python, 'python_client_baseline');
  await expect(gw.bare, 'bare_node');
  await expect(gw.stackJob, 'stack_job');
  await expect(gw.pushagent, 'pushagent', (l) => l.check === 'netstat_wait');
  for (const g of Object.values(gw)) await g.stop();

  const st = Object.fromEntries(commands.map((c) => [c.id, stats(times.get(c.id))]));
  const rows = commands.map((c) => [
    c.label,
    spread(st[c.id], fmt.ms),
    `${(st[c.id].median / st.node.median).toFixed(2)}×`,
  ]);
  return {
    id: 'start',
    title: `One-shot start: wall time of one run, ${runs} runs each (interleaved)`,
    header: ['command', 'median (min – max)', '× node -e 0'],
    rows,
    targets: [
      target('pushagent once ÷ prom-client script', st.once.median / st.promClient.median, '<=', 0.7),
      target('pushagent once ÷ `node -e 0`', st.once.median / st.node.median, '<=', 1.25),
      target(
        `pushagent once ÷ prom-client script, on the same Node (${process.version}; the issue asks this of Node 24)`,
        st.once.median / st.promClient.median,
        '<=',
        1.0,
      ),
    ],
    notes: [
      `The job itself, done by hand in Node without any library (bare-once.mjs), takes ${(st.bare.median / st.promClient.median).toFixed(2)}× the prom-client script and ${(st.bare.median / st.node.median).toFixed(2)}× \`node -e 0\`.`,
      `Loading the chosen libraries \`once\` needs, and doing nothing, takes ${(st.stackLoad.median / st.promClient.median).toFixed(2)}× the prom-client script; the same libraries doing the job with no code of ours take ${(st.stackJob.median / st.promClient.median).toFixed(2)}× (${fmt.ms(st.stackJob.median)}): the floor of \`once\` on this stack. \`once\` takes ${fmt.ms(st.once.median - st.stackJob.median)} more than that floor (its own code loaded and run: the config's checks and messages, the timeout and process group, the summary line).`,
    ],
    figures: { st },
  };
}
