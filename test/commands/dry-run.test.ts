/** `once --dry-run` on the shipped examples: the exact text each push would carry, lint-clean. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { once } from '../../src/commands/once.js';
import { runCommand } from '../helpers/command.js';

const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasPromtool && process.env.CI) throw new Error("promtool is not installed; CI must install Debian's prometheus");

/** The checks shipped in checks/ (others come and go: each is looked for, not the whole list). */
const SHIPPED_CHECKS = [
  'disk_root',
  'load1',
  'load15',
  'memory',
  'nagios_load',
  'netstat_wait',
  'ping_localhost',
  'tcp_states',
];

describe('once --dry-run on the shipped examples', () => {
  it('prints one block per group, each preceded by a # group comment, and pushes nothing', async () => {
    const r = await runCommand(
      once,
      { dryRun: true, config: 'config.example.yaml' },
      {
        env: { PUSHGATEWAY_URL: 'http://127.0.0.1:1' },
      },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toContain('push');
    const groups = [...r.stdout.matchAll(/^# group job="pushagent",instance="[^"]+",check="(\w+)"$/gm)].map(
      (m) => m[1],
    );
    expect(groups).toEqual(expect.arrayContaining(SHIPPED_CHECKS));
    expect(r.stdout).toMatch(/^pushagent_tcp_connections\{state="listen"\} \d+$/m);
    expect(r.stdout).toMatch(/^pushagent_nagios_state [012]$/m);
    expect(r.stdout).toMatch(/^pushagent_ping_packet_loss_ratio\{target="127\.0\.0\.1"\} 0$/m);
  });

  it.skipIf(!hasPromtool)('every block passes `promtool check metrics` with no findings', async () => {
    const r = await runCommand(once, { dryRun: true });
    const blocks = r.stdout.split(/^(?=# group )/m).filter(Boolean);
    expect(blocks.map((b) => /check="(\w+)"/.exec(b)?.[1])).toEqual(expect.arrayContaining(SHIPPED_CHECKS));
    for (const block of blocks) {
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: block, encoding: 'utf8' });
      expect({ block: block.split('\n')[0], out: lint.stdout + lint.stderr, status: lint.status }).toEqual({
        block: block.split('\n')[0],
        out: '',
        status: 0,
      });
    }
  });
});
