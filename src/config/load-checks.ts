/** checks_dir/*.yaml|yml → CheckDef[], every problem located (STYLE rule 2: strict, once, at load). */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { describeValue, type Problem } from '../errors.js';
import { KINDS } from '../checks/registry.js';
import type { CheckKind, DeclaredMetric, KindProblem } from '../checks/kind.js';
import type { CheckDef, Schedule } from './check-def.js';
import { checkSchemaOf, commonShape, CRON_SPLAY_CAP_MS, shortestCronGapMs } from './check-schema.js';
import { formatDuration } from '../common/duration.js';
import { issueMessage, issuesToProblems, schemaKeys } from './issues.js';
import { readTextFile } from './text-file.js';
import { dataOf, locate, parseYaml, type YamlPath, type YamlSource } from './yaml-source.js';

export interface CheckLoadOptions {
  readonly defaults: {
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly killGraceMs: number;
    readonly splay: boolean;
  };
  /** Label names a check may not set: job, instance, check and the configured grouping labels. */
  readonly reservedLabels: readonly string[];
  /** How a file is named in messages (relative to the working directory when inside it). */
  readonly display: (file: string) => string;
}

/** What a kind's own timeout adds to the time a run needs (process start, a late reply). */
const KIND_TIMEOUT_MARGIN_MS = 1000;

const KNOWN_KEYS = [...schemaKeys(z.object({ ...commonShape, ...Object.assign({}, ...KINDS.map((k) => k.shape)) }))];

export async function loadChecks(
  dir: string,
  opts: CheckLoadOptions,
): Promise<{ checks: CheckDef[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    // Folders, FIFOs, devices... named *.yaml too: readTextFile refuses them by name.
    names = entries
      .filter((e) => /\.ya?ml$/.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message;
    return {
      checks: [],
      problems: [{ file: opts.display(dir), message: `cannot read the checks directory: ${reason}` }],
    };
  }
  const checks: CheckDef[] = [];
  // Every named check, valid or not, so a duplicate name is reported alongside other problems.
  const named: Named[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const read = await readTextFile(file);
    if (!read.ok) {
      const where =
        read.line === undefined ? { file: opts.display(file) } : { file: opts.display(file), line: read.line, col: 1 };
      problems.push({
        ...where,
        message: read.line === undefined ? `cannot read the check file: ${read.message}` : read.message,
      });
      continue;
    }
    const { source, problems: syntax } = parseYaml(opts.display(file), read.text);
    problems.push(...syntax);
    if (syntax.length > 0) continue;
    const { data, problems: aliases } = dataOf(source);
    problems.push(...aliases);
    if (data === null || data === undefined) continue;
    const items: [unknown, YamlPath][] = Array.isArray(data) ? data.map((d, i) => [d, [i]]) : [[data, []]];
    for (const [item, base] of items) {
      const rawName = (item as { name?: unknown } | null)?.name;
      if (typeof rawName === 'string') named.push({ name: rawName, ...locate(source, base) });
      const def = loadCheck(source, item, base, { ...opts, dir }, problems);
      if (def) checks.push(def);
    }
  }
  problems.push(...duplicateNames(named), ...metricConflicts(checks));
  return { checks, problems };
}

function loadCheck(
  source: YamlSource,
  raw: unknown,
  base: YamlPath,
  opts: CheckLoadOptions & { readonly dir: string },
  problems: Problem[],
): CheckDef | undefined {
  const at = locate(source, base);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({
      ...at,
      message: `expected a check (a mapping with name and e.g. command), got ${describeValue(raw)}`,
    });
    return undefined;
  }
  const rawName = (raw as { name?: unknown }).name;
  const prefix =
    typeof rawName === 'string' ? `check "${rawName}": ` : base.length ? `check #${Number(base[0]) + 1}: ` : 'check: ';
  const kinds = KINDS.filter((k) => k.triggers.some((t) => t in raw));
  if (kinds.length !== 1) {
    const all = KINDS.map((k) => `${k.triggers.join(' or ')} (${k.name})`).join(', ');
    const found = kinds.length === 0 ? 'none' : kinds.map((k) => k.name).join(' and ');
    problems.push({
      ...at,
      message: `${prefix}expected exactly one kind of check, set by one of: ${all}; found ${found}`,
    });
    return undefined;
  }
  const kind = kinds[0] as CheckKind<unknown>;
  const before = problems.length;
  const schema = checkSchemaOf(kind);
  const parsed = schema.safeParse(raw, { error: issueMessage, reportInput: true });
  const scope = { source, base, prefix, knownKeys: KNOWN_KEYS };
  if (!parsed.success) {
    problems.push(...issuesToProblems(parsed.error.issues, scope));
    return undefined;
  }
  const {
    name,
    interval,
    schedule: cron,
    splay,
    timeout,
    kill_grace: killGrace,
    labels,
    ...fields
  } = parsed.data as z.output<z.ZodObject<typeof commonShape>> & Record<string, unknown>;
  const own: KindProblem[] = [];
  const spec = kind.toSpec(fields, own, { dir: opts.dir });
  const here = (p: YamlPath, key: 'key' | 'value' = 'value') => locate(source, [...base, ...p], key);
  const fail = (p: YamlPath, message: string) => problems.push({ ...here(p), message: `${prefix}${message}` });
  for (const p of own) fail(p.path, p.message);

  for (const label of Object.keys(labels).filter((l) => opts.reservedLabels.includes(l))) {
    problems.push({
      ...here(['labels', label], 'key'),
      message: `${prefix}label "${label}" is reserved (set by the push's grouping key: ${opts.reservedLabels.join(', ')})`,
    });
  }
  if (interval !== undefined && cron !== undefined) fail(['schedule'], 'use either `interval` or `schedule`, not both');
  const schedule: Schedule =
    cron !== undefined ? { kind: 'cron', expr: cron } : { kind: 'interval', ms: interval ?? opts.defaults.intervalMs };
  const periodMs = schedule.kind === 'interval' ? schedule.ms : shortestCronGapMs(schedule.expr);
  const period = `${schedule.kind === 'interval' ? 'interval' : 'shortest gap of the schedule'} ${formatDuration(periodMs)}`;
  const needed = kind.neededMs?.(spec);
  const kindTimeout = needed === undefined || timeout !== undefined ? undefined : needed + KIND_TIMEOUT_MARGIN_MS;
  if (kindTimeout !== undefined && kindTimeout > periodMs) {
    fail(
      [],
      `a run needs ${formatDuration(needed!)}, so its timeout defaults to ${formatDuration(kindTimeout)}: more than the ${period}`,
    );
  }
  if (needed !== undefined && timeout !== undefined && timeout < needed) {
    fail(
      ['timeout'],
      `timeout ${formatDuration(timeout)} is shorter than the ${formatDuration(needed)} a run needs: every run would time out`,
    );
  }
  for (const label of Object.keys(labels).filter((l) => (kind.ownLabels?.(spec) ?? []).includes(l))) {
    problems.push({
      ...here(['labels', label], 'key'),
      message: `${prefix}label "${label}" is set on each sample by the check itself (${kind.describe(spec)})`,
    });
  }
  if (timeout !== undefined && timeout > periodMs) {
    fail(['timeout'], `timeout ${formatDuration(timeout)} exceeds the ${period}`);
  }
  if (problems.length > before) return undefined;
  return {
    name,
    ...at,
    kind: kind.name,
    spec,
    describe: kind.describe(spec),
    schedule,
    // A schedule runs when it says unless the check itself asks for splay.
    splayMs:
      schedule.kind === 'interval'
        ? (splay ?? opts.defaults.splay)
          ? schedule.ms
          : 0
        : splay === true
          ? Math.min(periodMs, CRON_SPLAY_CAP_MS)
          : 0,
    timeoutMs: timeout ?? kindTimeout ?? Math.min(opts.defaults.timeoutMs, periodMs),
    killGraceMs: killGrace ?? opts.defaults.killGraceMs,
    labels,
  };
}

interface Named {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

const where = (c: Named): string => `${c.file}:${c.line}:${c.col}`;

function duplicateNames(named: readonly Named[]): Problem[] {
  const first = new Map<string, Named>();
  const problems: Problem[] = [];
  for (const c of named) {
    const seen = first.get(c.name);
    if (seen)
      problems.push({
        file: c.file,
        line: c.line,
        col: c.col,
        message: `check "${c.name}" is defined twice: at ${where(seen)} and here`,
      });
    else first.set(c.name, c);
  }
  return problems;
}

/** One metric name declared by several checks with another type or help. */
function metricConflicts(checks: readonly CheckDef[]): Problem[] {
  const problems: Problem[] = [];
  const metrics = new Map<string, { check: CheckDef; metric: DeclaredMetric }>();
  for (const c of checks) {
    for (const metric of KINDS.find((k) => k.name === c.kind)?.declares?.(c.spec) ?? []) {
      const seen = metrics.get(metric.name);
      if (!seen) {
        metrics.set(metric.name, { check: c, metric });
        continue;
      }
      for (const field of ['type', 'help'] as const) {
        if (seen.metric[field] !== metric[field]) {
          problems.push({
            file: c.file,
            line: c.line,
            col: c.col,
            message: `check "${c.name}": metric "${metric.name}" has ${field} ${JSON.stringify(metric[field])} here but ${JSON.stringify(seen.metric[field])} in check "${seen.check.name}" at ${where(seen.check)}`,
          });
        }
      }
    }
  }
  return problems;
}
