/** Where the daemon sends groups: one queue per gateway URL, or stdout without a pushgateway. */
import type { Logger } from '../log.js';
import type { AgentStats } from '../metrics/agent-stats.js';
import { describeKey, type GroupingKey } from '../sinks/grouping-key.js';
import { PushQueue, type Op } from '../sinks/push-queue.js';
import type { PushgatewaySink } from '../sinks/pushgateway.js';
import { redactSecrets } from '../log.js';

export interface Outlet {
  readonly target: string;
  enqueue(key: GroupingKey, op: Op): void;
  flush(timeoutMs: number): Promise<boolean>;
  readonly size: number;
  close(): void;
}

export interface GatewayOutletOptions {
  readonly sink: PushgatewaySink;
  readonly base: string;
  readonly maxBackoffMs: number;
  readonly log: Logger;
  readonly stats: AgentStats;
  /** The gateway answered again after an outage: time to look for stale groups there. */
  readonly onUp: () => void;
}

/**
 * A gateway's queue, remembering the latest operation of every group (one per group: bounded).
 * When the gateway answers again after an outage, every group's latest is sent again, so a fresh
 * gateway that lost its state gets everything back without waiting for each check's next run.
 */
export function gatewayOutlet(o: GatewayOutletOptions): Outlet {
  const gateway = redactSecrets(o.base);
  const latest = new Map<string, { key: GroupingKey; op: Op }>();
  const queue: PushQueue = new PushQueue({
    send: (key, op) => o.sink.send(o.base, key, op),
    maxBackoffMs: o.maxBackoffMs,
    events: {
      attempt: (outcome, key, op) => {
        o.stats.push(gateway, outcome);
        if (outcome === 'success') o.log.debug(`${op.method} accepted`, { gateway, group: describeKey(key), check: checkOf(key) });
      },
      down: (error) => o.log.warn('gateway unreachable; retrying with backoff, keeping only the latest result of each group', { gateway, error }),
      up: (failures) => {
        o.log.info('gateway answering again: sending every group\'s latest result', { gateway, failed_attempts: failures, groups: latest.size });
        for (const { key, op } of latest.values()) queue.enqueue(key, op);
        o.onUp();
      },
      rejected: (key, op, error) => o.log.error(`${op.method} refused by the gateway`, { gateway, check: checkOf(key), error }),
    },
  });
  return {
    target: gateway,
    enqueue: (key, op) => {
      if (op.method === 'DELETE') latest.delete(describeKey(key));
      else latest.set(describeKey(key), { key, op });
      queue.enqueue(key, op);
    },
    flush: (ms) => queue.flush(ms),
    get size() {
      return queue.size;
    },
    close: () => queue.close(),
  };
}

export function stdoutOutlet(write: (text: string) => void): Outlet {
  return {
    target: 'stdout',
    enqueue(key, op) {
      if (op.method !== 'DELETE') write(`# group ${describeKey(key)}\n${op.body}`);
    },
    flush: async () => true,
    size: 0,
    close() {},
  };
}

function checkOf(key: GroupingKey): string | undefined {
  return key.labels.find(([n]) => n === 'check')?.[1];
}
