/**
 * The parser's verdicts next to the real Pushgateway's (Debian's 1.5.1), fixture by fixture: what
 * we accept it accepts as we push it; what expfmt accepts, we accept; values we refuse it refuses;
 * and the histograms and summaries we refuse, which it takes (HTTP 200) but serves altered, made up
 * or invalid; and the two metric names it overwrites.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPushgateway, Pushgateway } from '../helpers/pushgateway.js';

const FIXTURES = new URL('../fixtures/parse-prometheus/', import.meta.url).pathname;
const cases = readdirSync(FIXTURES).sort();
const read = (name: string, file: string): string => readFileSync(join(FIXTURES, name, file), 'utf8');
const accepted = cases.filter((name) => existsSync(join(FIXTURES, name, 'expected.prom')));

describe.skipIf(!hasPushgateway)('parse-prometheus fixtures against the real Pushgateway', () => {
  let gw: Pushgateway;
  beforeAll(async () => {
    gw = await Pushgateway.start();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  /** PUTs `body` as the group job="fixture" (checked for consistency before the answer), then reads it back. */
  async function push(body: string): Promise<{ status: number; answer: string; served: string[] }> {
    const group = `${gw.url}/metrics/job/fixture`;
    const res = await fetch(group, { method: 'PUT', body, headers: { 'content-type': 'text/plain; version=0.0.4' } });
    const answer = await res.text();
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    // Each case stands alone: two fixtures may give one name two types.
    await fetch(group, { method: 'DELETE' });
    const served = metrics
      .split('\n')
      .filter((line) => line.includes('job="fixture"') && !line.startsWith('push_'))
      .map((line) =>
        line
          .replace(/instance="",job="fixture",?/, '')
          .replace(/,?\}/, '}')
          .replace('{}', ''),
      );
    return { status: res.status, answer, served };
  }

  it.each(accepted)('%s: what we push (expected.prom) is accepted', async (name) => {
    const r = await push(read(name, 'expected.prom'));
    expect(`${r.status} ${r.answer}`).toBe('200 ');
  });

  // Lines expfmt ignores or reads as we now do, sent raw.
  it.each(['help-and-type-without-text', 'values-as-parsefloat-reads-them', 'type-in-any-case'])(
    '%s: the gateway accepts the raw input too',
    async (name) => {
      const r = await push(read(name, 'input.txt'));
      expect(`${r.status} ${r.answer}`).toBe('200 ');
    },
  );

  // What Go's ParseFloat reads but expfmt refuses (any p, P or _), and what ParseFloat refuses.
  it.each([
    'error-hex-float',
    'error-hex-value',
    'error-underscore-value',
    'error-signed-nan',
    'error-infinity-prefix',
    'error-comma-decimal',
  ])('%s: refused by the gateway too', async (name) => {
    const r = await push(read(name, 'input.txt'));
    expect(r.status).toBe(400);
    expect(r.answer).toMatch(/^text format parsing error in line \d+: expected float as value/);
  });

  // Taken (200), and then: a count wrapped or truncated to uint64, a bucket or quantile dropped, a
  // series made up or doubled, or kept as it came, which no histogram can be.
  it.each([
    ['error-histogram-negative-bucket', 'request_duration_seconds_bucket{le="0.5"} 1.8446744073709552e+19'],
    ['error-histogram-fractional-count', 'request_duration_seconds_count 2'],
    ['error-summary-negative-count', 'rpc_duration_seconds_count 1.8446744073709552e+19'],
    ['error-summary-nan-count', 'rpc_duration_seconds_count 9.223372036854776e+18'],
    ['error-histogram-without-inf-bucket', 'request_duration_seconds_bucket{route="/api",le="+Inf"} 5'],
    ['error-histogram-without-count', 'request_duration_seconds_count 0'],
    ['error-summary-without-sum', 'rpc_duration_seconds_sum{method="get"} 0'],
    ['error-histogram-not-cumulative', 'request_duration_seconds_bucket{le="0.5"} 3'],
    ['error-histogram-count-not-inf-bucket', 'request_duration_seconds_count 7'],
  ])('%s: taken by the gateway, which serves %s', async (name, line) => {
    expect(read(name, 'error.txt')).toMatch(/^line \d+: expected /);
    const r = await push(read(name, 'input.txt'));
    expect(r.status).toBe(200);
    expect(r.served).toContain(line);
  });

  // Reserved by outputs.ts and the check loader (GATEWAY_METRIC_NAMES): the gateway sets both itself.
  it.each(['push_time_seconds', 'push_failure_time_seconds'])(
    '%s: taken by the gateway, which serves its own instead',
    async (name) => {
      const res = await fetch(`${gw.url}/metrics/job/fixture`, { method: 'PUT', body: `${name} 42\n` });
      expect(res.status).toBe(200);
      const served = (await (await fetch(`${gw.url}/metrics`)).text())
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) && l.includes('job="fixture"'));
      await fetch(`${gw.url}/metrics/job/fixture`, { method: 'DELETE' });
      expect(served).toHaveLength(1);
      expect(served[0]).not.toMatch(/ 42$/);
    },
  );

  it.each([
    ['error-histogram-nan-bound', 'request_duration_seconds_bucket', 1],
    ['error-summary-nan-quantile', 'rpc_duration_seconds{', 0],
    ['error-histogram-same-bound-twice', 'request_duration_seconds_bucket{le="1"}', 2],
  ])('%s: taken by the gateway, which serves %s %i times', async (name, prefix, times) => {
    const r = await push(read(name, 'input.txt'));
    expect(r.status).toBe(200);
    expect(r.served.filter((l) => l.startsWith(prefix))).toHaveLength(times);
  });
});
