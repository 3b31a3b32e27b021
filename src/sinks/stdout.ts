/**
 * Sinks that print: the output of a config without any sink (what would be pushed, on stdout), and
 * `--dry-run`'s preview of each configured sink. They hold nothing, so remove and purge do nothing.
 */
import { serialize } from '../expose/text.js';
import { describeKey, groupingKey } from './grouping-key.js';
import type { DeliveryOutcome, Report, Sink } from './sink.js';

const OK: DeliveryOutcome = { target: 'stdout', ok: true };

/** A sink that prints `format(report)` for each report. */
export function printingSink(write: (text: string) => void, format: (report: Report) => string): Sink {
  return {
    target: 'stdout',
    async write(report) {
      write(format(report));
      return OK;
    },
    remove: async () => OK,
    purge: async () => [],
    close: async () => true,
  };
}

/** What a Pushgateway would get: `# group <key>` and the group's text 0.0.4 body. */
export function gatewayText(report: Report): string {
  const { job, instance, labels } = report.identity;
  return `# group ${describeKey(groupingKey(job, instance, report.check, labels))}\n${serialize(report.families)}`;
}

/** The output without any configured sink, and the Pushgateway's `--dry-run` preview. */
export function gatewayPreview(write: (text: string) => void): Sink {
  return printingSink(write, gatewayText);
}
