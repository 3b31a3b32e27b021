/**
 * What remote_write sends, as data (pure): a report's series with their labels, and `--dry-run`'s
 * readable preview of it. Apart from remote-write.ts so that a dry run loads no HTTP client.
 */
import type { RemoteWriteConfig } from '../config/agent-schema.js';
import { escapeLabelValue, formatValue } from '../expose/text.js';
import { redactSecrets } from '../log.js';
import type { MetricFamily } from '../metrics/types.js';
import type { Report, Sink, SinkContext } from './sink.js';
import { printingSink } from './stdout.js';

export type Labels = readonly (readonly [string, string])[];

/** The series of a report, labels sorted by name (`__name__` first), no empty value. Pure. */
export function seriesOf(report: Report): { key: string; labels: Labels; value: number }[] {
  const { job, instance, labels } = report.identity;
  const own: Record<string, string> = {
    ...labels,
    job,
    ...(instance === undefined ? {} : { instance }),
    ...(report.check === undefined ? {} : { check: report.check }),
  };
  return report.families.flatMap((f: MetricFamily) =>
    f.samples.map((s) => {
      const all = Object.entries({ ...s.labels, ...own, __name__: s.name })
        .filter(([, v]) => v !== '')
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return { key: JSON.stringify(all), labels: all, value: s.value };
    }),
  );
}

/** `--dry-run`: the series and values a receiver would get, readable. */
export function preview(target: string, report: Report): string {
  const lines = seriesOf(report).map(({ labels, value }) => {
    const name = labels.find(([n]) => n === '__name__')?.[1] ?? '';
    const rest = labels.filter(([n]) => n !== '__name__').map(([n, v]) => `${n}="${escapeLabelValue(v)}"`);
    return `${name}{${rest.join(',')}} ${formatValue(value)} ${report.timeMs}\n`;
  });
  return `# remote_write ${target}: ${report.check === undefined ? 'the agent' : `check "${report.check}"`}, ${lines.length} series at ${report.timeMs} ms\n${lines.join('')}`;
}

/** `--dry-run`: one printing sink per receiver. */
export function remoteWritePreviews(config: readonly RemoteWriteConfig[], ctx: SinkContext): Sink[] {
  return config.map((c) => printingSink(ctx.stdout, (r) => preview(redactSecrets(c.url), r)));
}
