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
      for (const s of f.samples)
        out.set(
          `${s.name}{${Object.keys(s.labels)
            .sort()
            .map((k) => `${k}="${s.labels[k]}"`)
            .join(',')}}`,
          s.value,
        );
    }
  }
  return out;
}
