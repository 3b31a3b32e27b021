/** Exposition text read back for comparisons, e.g. a dry run against a scrape. */
import { parsePrometheusText } from '../../src/parse/prometheus.js';

/**
 * Every sample of an exposition (or of each `# textfile FILE` / `# exporter URL` part of a dry run) as name{labels
 * sorted} → value.
 */
export function samplesOf(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of text.split(/^# (?:textfile|exporter) .*\n/m)) {
    const parsed = parsePrometheusText(part);
    if (!parsed.ok) throw new Error(`line ${parsed.line}: ${parsed.message}`);
    for (const f of parsed.value) {
      for (const s of f.samples) out.set(seriesKey(s.name, s.labels), s.value);
    }
  }
  return out;
}

/**
 * A series as one comparable text: `name{a="1",b="2"}`, labels sorted, values as they are (not
 * escaped). The key of samplesOf and of vectorOf (helpers/prometheus.ts), so a dry run and a query compare.
 */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(',')}}`;
}
