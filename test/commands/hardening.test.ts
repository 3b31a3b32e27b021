/**
 * Regression tests for the hardening issue's items on the HTTP side and the daemon's signals:
 * a gateway answering with an endless body, `once` with many checks against a slow gateway or a
 * small descriptor limit, a SIGHUP or SIGTERM while `run` is starting, a stop during a reload.
 */
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { Agent, waitUntil } from '../helpers/daemon.js';
import { workdir } from '../helpers/workdir.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const srv = createServer(handler);
  servers.push(srv);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
}

/** A `hostname` on PATH that prints host.example.com, after `delay` seconds while FLAG exists. */
async function slowHostname(delay: number): Promise<{ bin: string; flag: string }> {
  const bin = await mkdtemp(path.join(tmpdir(), 'pushagent-hostname-'));
  const flag = path.join(bin, 'slow');
  await writeFile(path.join(bin, 'hostname'), `#!/bin/sh\n[ -f ${flag} ] && sleep ${delay}\necho host.example.com\n`);
  await chmod(path.join(bin, 'hostname'), 0o755);
  return { bin, flag };
}

/** Whether the process has a handler for SIGHUP (bit 0 of SigCgt in /proc/PID/status). */
function catchesHup(pid: number): boolean {
  try {
    const mask = /SigCgt:\s+([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
    return (BigInt(`0x${mask}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

const checks = (n: number) =>
  Array.from({ length: n }, (_, i) => `- name: c${i}\n  command: echo ${i}\n  metric: {name: c${i}_value}\n`).join('');

describe('hostile or slow gateways', () => {
  it('a 500 whose body never ends: once reads a bounded prefix and fails that push with a truncated reason (exit 2), in seconds', async () => {
    const url = await serve((req, res) => {
      req.resume();
      res.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = 'overloaded '.repeat(6000);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${url}\n  timeout: 5s\n`,
      'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n',
    });
    const r = await runCli(['once'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/push failed: push to .* failed: HTTP 500: overloaded overloaded .*… \(truncated\)$/m);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('once: 20 checks against a gateway answering in 0.3 s, with a 2 s timeout: every push succeeds (the wait for a connection is not counted)', async () => {
    let requests = 0;
    const url = await serve((req, res) => {
      req.resume();
      requests += 1;
      setTimeout(() => res.end(), 300);
    });
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${url}\n  timeout: 2s\n`,
      'checks/many.yaml': checks(20),
    });
    const r = await runCli(['once'], { cwd: dir });
    expect(r.stderr).not.toContain('no answer within');
    expect(r.exitCode).toBe(0);
    expect(requests).toBe(20);
  });

  it('once: 400 checks under a limit of 256 open files run without EMFILE (--concurrency bounds them)', async () => {
    const dir = await workdir({ 'checks/many.yaml': checks(400) });
    const r = await execa('sh', ['-c', `ulimit -n 256 && exec "${process.execPath}" "${CLI}" once --dry-run`], {
      cwd: dir,
      reject: false,
      timeout: 60_000,
    });
    expect(r.stderr).not.toMatch(/EMFILE|FAIL/);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.match(/^c\d+_value \d+$/gm)).toHaveLength(400);
  }, 70_000);
});

describe('run: signals while starting and while reloading', () => {
  const agents: Agent[] = [];
  afterEach(async () => {
    for (const a of agents.splice(0)) {
      a.signal('SIGKILL');
      await a.exitCode();
    }
  });

  it('a SIGHUP while it waits for `hostname -f` does not kill it: it starts, then reloads', async () => {
    const host = await slowHostname(2);
    await writeFile(host.flag, '');
    const dir = await workdir({ 'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n' });
    const agent = Agent.start([], { cwd: dir, env: { PATH: `${host.bin}:${process.env.PATH}` } });
    agents.push(agent);
    await new Promise((r) => setTimeout(r, 700));
    agent.signal('SIGHUP');
    await agent.waitForLog((l) => l.msg === 'started');
    const reload = await agent.waitForLog((l) => l.msg === 'SIGHUP: reloading', 10_000);
    expect(reload.level).toBe('info');
    agent.signal('SIGTERM');
    expect(await agent.exitCode()).toBe(0);
  });

  it("a SIGHUP as soon as its JavaScript runs (while the daemon's code loads) does not kill it either", async () => {
    const dir = await workdir({ 'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n' });
    const agent = Agent.start([], { cwd: dir });
    agents.push(agent);
    // Before Node runs any JavaScript a HUP kills any Node program; from the moment SIGHUP is caught
    // (the first lines of the CLI) it is ours: send it then, long before the daemon has started.
    expect(await waitUntil(() => catchesHup(agent.pid), 5000, 1)).toBe(true);
    const sentAt = Date.now();
    agent.signal('SIGHUP');
    const started = await agent.waitForLog((l) => l.msg === 'started');
    expect(sentAt).toBeLessThan(Date.parse(started.ts));
    await agent.waitForLog((l) => l.msg === 'SIGHUP: reloading');
    agent.signal('SIGTERM');
    expect(await agent.exitCode()).toBe(0);
  });

  it('a SIGTERM during a reload that hangs (a `hostname -f` that takes 20 s) stops it at once, exit 0', async () => {
    const host = await slowHostname(20);
    const dir = await workdir({ 'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n' });
    const agent = Agent.start([], { cwd: dir, env: { PATH: `${host.bin}:${process.env.PATH}` } });
    agents.push(agent);
    await agent.waitForLog((l) => l.msg === 'started');
    await writeFile(host.flag, '');
    agent.signal('SIGHUP');
    await agent.waitForLog((l) => l.msg === 'SIGHUP: reloading');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    agent.signal('SIGTERM');
    expect(await agent.exitCode()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    await waitUntil(() => agent.lines.some((l) => l.msg === 'stopped'), 1000);
    expect(agent.lines.map((l) => l.msg)).toContain('stopped');
  }, 30_000);
});
