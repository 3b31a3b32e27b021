/**
 * A `ping` that runs the real one and keeps a copy of its stdout, one file per run, so tests can
 * compare what a ping check pushed with ping's own summary from the same run.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeAfterTest } from './workdir.js';

/** The real ping on PATH, or '' when there is none. */
export const REAL_PING = spawnSync('sh', ['-c', 'command -v ping'], { encoding: 'utf8' }).stdout.trim();

if (!REAL_PING && process.env.CI) throw new Error('ping is not installed; CI must install iputils-ping');
if (!REAL_PING) console.warn('skipping real ping tests: ping not found (apt-get install iputils-ping)');

export interface Printed {
  transmitted: number;
  received: number;
  duplicates: number;
  lossPercent: number;
  /** min/avg/max/mdev in ms, as printed. */
  times: number[] | undefined;
}

/**
 * A `ping` that runs the real one and keeps its stdout in `logs/`, one file per run; its folder is
 * removed after the test.
 */
export async function teeingPing(): Promise<{
  bin: string;
  program: string;
  summaries: () => Promise<Map<string, Printed>>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pushagent-ping-'));
  removeAfterTest(dir);
  const bin = path.join(dir, 'bin');
  const logs = path.join(dir, 'logs');
  await mkdir(bin);
  await mkdir(logs);
  const program = path.join(bin, 'ping');
  // The real ping found first on PATH, so it names itself `ping` in its messages, as it would unwrapped.
  const script = `#!/bin/sh\nout=$(PATH="${path.dirname(REAL_PING)}:$PATH" ping "$@")\ncode=$?\nprintf '%s\\n' "$out" | tee "${logs}/$$.txt"\nexit $code\n`;
  await writeFile(program, script);
  await chmod(program, 0o755);
  const summaries = async (): Promise<Map<string, Printed>> => {
    const found = new Map<string, Printed>();
    for (const file of await readdir(logs)) {
      const text = await readFile(path.join(logs, file), 'utf8');
      const host = /^--- (\S+) ping statistics ---$/m.exec(text)?.[1];
      const counts =
        /^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?.*, ([\d.]+)% packet loss/m.exec(text);
      if (!host || !counts) continue;
      const rtt = /^rtt min\/avg\/max\/mdev = ([\d./]+) ms/m.exec(text);
      found.set(host, {
        transmitted: Number(counts[1]),
        received: Number(counts[2]),
        duplicates: Number(counts[3] ?? 0),
        lossPercent: Number(counts[4]),
        times: rtt?.[1]?.split('/').map(Number),
      });
    }
    return found;
  };
  return { bin, program, summaries };
}
