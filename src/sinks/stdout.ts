/** The sink of `--dry-run` and of a config without a pushgateway: exposition text on stdout. */
import { describeKey, type GroupingKey } from './grouping-key.js';
import type { Sink } from './sink.js';

export function stdoutSink(write: (text: string) => void): Sink {
  return {
    async write(key: GroupingKey, body: string) {
      write(`# group ${describeKey(key)}\n${body}`);
      return [{ target: 'stdout', ok: true }];
    },
    async close() {},
  };
}
