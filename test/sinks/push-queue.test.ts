/** The queue's policy, driven by a scripted gateway (the daemon tests use a real one). */
import { describe, expect, it } from 'vitest';
import { PushError } from '../../src/errors.js';
import { groupingKey } from '../../src/sinks/grouping-key.js';
import { PushQueue, type Op } from '../../src/sinks/push-queue.js';
import type { SendOutcome } from '../../src/sinks/sink.js';

const key = (check: string) => groupingKey('j', 'h', check, {});
const put = (body: string): Op => ({ method: 'PUT', body });
const URL = 'http://gw/metrics/job/j';

function scripted(answers: (op: Op) => SendOutcome) {
  const sent: string[] = [];
  return {
    sent,
    send: async (_k: ReturnType<typeof key>, op: Op) => {
      sent.push(op.method === 'DELETE' ? 'DELETE' : op.body);
      return answers(op);
    },
  };
}

describe('PushQueue', () => {
  it('keeps only the newest operation per group while the gateway is down, then delivers it', async () => {
    let down = true;
    const gw = scripted(() =>
      down ? { ok: false, retryable: true, error: new PushError(URL, undefined, 'ECONNREFUSED') } : { ok: true },
    );
    const events: string[] = [];
    const q = new PushQueue({
      send: gw.send,
      baseBackoffMs: 20,
      maxBackoffMs: 40,
      random: () => 0.5,
      events: { down: () => events.push('down'), up: (n) => events.push(`up after ${n}`) },
    });
    q.enqueue(key('a'), put('a1'));
    await new Promise((r) => setTimeout(r, 60));
    for (let i = 2; i <= 50; i++) q.enqueue(key('a'), put(`a${i}`));
    expect(q.size).toBeLessThanOrEqual(2); // one waiting, at most one in flight
    down = false;
    expect(await q.flush(1000)).toBe(true);
    expect(gw.sent.at(-1)).toBe('a50');
    expect(gw.sent).not.toContain('a30');
    expect(events[0]).toBe('down');
    expect(events.at(-1)).toMatch(/^up after \d+$/);
  });

  it('backs off exponentially with jitter, capped', async () => {
    const times: number[] = [];
    const q = new PushQueue({
      send: async () => {
        times.push(Date.now());
        return { ok: false, retryable: true, error: new PushError(URL, undefined, 'timeout') };
      },
      baseBackoffMs: 20,
      maxBackoffMs: 80,
      random: () => 1,
    });
    q.enqueue(key('a'), put('x'));
    await new Promise((r) => setTimeout(r, 500));
    q.close();
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 20, 40, 80, 80, ... (random 1 = the full ceiling), never above the cap plus timer slack.
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(Math.max(...gaps)).toBeLessThan(80 + 30);
    expect(gaps.slice(2).every((g) => g >= 78)).toBe(true);
  });

  it('does not retry a refusal (4xx); reports it', async () => {
    const rejected: PushError[] = [];
    const refusal = new PushError(URL, 400, 'inconsistent');
    const gw = scripted(() => ({ ok: false, retryable: false, error: refusal }));
    const q = new PushQueue({ send: gw.send, events: { rejected: (_k, _o, e) => rejected.push(e) } });
    const settled = q.enqueue(key('a'), put('bad'));
    expect(await q.flush(500)).toBe(true);
    expect(gw.sent).toEqual(['bad']);
    // The typed error itself, from the send to the event and the enqueue's outcome.
    expect(rejected).toEqual([refusal]);
    expect(await settled).toEqual({ ok: false, retryable: false, error: refusal });
  });

  it('an operation still waiting when the queue closes, or enqueued after, settles as dropped', async () => {
    const q = new PushQueue({
      send: async () => ({ ok: false, retryable: true, error: new PushError(URL, undefined, 'down') }),
      baseBackoffMs: 1000,
      maxBackoffMs: 1000,
    });
    const waiting = q.enqueue(key('a'), put('a1'));
    await new Promise((r) => setTimeout(r, 20));
    q.close();
    expect(await waiting).toBe('dropped');
    expect(await q.enqueue(key('b'), put('b1'))).toBe('dropped');
  });

  it('a delete replaces a waiting push of the same group; other groups are independent', async () => {
    let block = true;
    const delivered: string[] = [];
    const q = new PushQueue({
      send: async (_k, op) => {
        if (block) return { ok: false, retryable: true, error: new PushError(URL, undefined, 'down') };
        delivered.push(op.method === 'DELETE' ? 'DELETE' : op.body);
        return { ok: true };
      },
      baseBackoffMs: 10,
      maxBackoffMs: 10,
      random: () => 0,
    });
    q.enqueue(key('a'), put('a1'));
    q.enqueue(key('b'), put('b1'));
    await new Promise((r) => setTimeout(r, 30));
    q.enqueue(key('a'), { method: 'DELETE' });
    block = false;
    expect(await q.flush(1000)).toBe(true);
    // a1 was superseded by the delete before the gateway came back; b1 is unaffected.
    expect(delivered.sort()).toEqual(['DELETE', 'b1']);
  });
});
