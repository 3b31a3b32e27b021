/** contrib/prometheus-exporter-scrape.yaml is a Prometheus configuration promtool accepts, without honor_labels. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

const PROMTOOL = process.env.PROMTOOL_BIN ?? 'promtool';
const hasPromtool = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;
const FILE = path.join(REPO, 'contrib/prometheus-exporter-scrape.yaml');

describe('contrib/prometheus-exporter-scrape.yaml', () => {
  it.skipIf(!hasPromtool)('passes promtool check config', () => {
    const r = spawnSync(PROMTOOL, ['check', 'config', FILE], { encoding: 'utf8' });
    expect([r.status, `${r.stdout}${r.stderr}`]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  it('scrapes port 9089 (the exporter default) and leaves job and instance to the scrape', () => {
    const text = readFileSync(FILE, 'utf8');
    expect(text).toMatch(/:9089\n/);
    expect(text).not.toMatch(/^\s*honor_labels:\s*true/m);
  });
});
