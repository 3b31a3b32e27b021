/**
 * The textfile sink: each check's result as a file node_exporter's textfile collector reads
 * (`pushagent_<check>.prom`; the agent's own metrics in `pushagent.prom`), written atomically (a
 * temporary file in the same folder, renamed over the `.prom` name, so a scrape never reads half a
 * file) with mode 0644 whatever the umask. Samples carry `check` and the configured labels, never
 * job, instance or a timestamp (node_exporter skips a file with one). The first line names the
 * writer (job, instance, check), so that cleaning up removes only this agent's files and never a
 * file that is not pushagent's. Works the same in `once` (cron) and `run`.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { TextfileConfig } from '../config/agent-schema.js';
import { fileErrorReason, PushError } from '../errors.js';
import { serialize } from '../expose/text.js';
import type { MetricFamily } from '../metrics/types.js';
import { parsePrometheusText } from '../parse/prometheus.js';
import { exposedFamilies } from './exposed.js';
import type { DeliveryOutcome, Identity, Keep, Report, Sink, SinkContext } from './sink.js';
import { printingSink } from './stdout.js';

/** `pushagent.prom` (the agent's own metrics) or `pushagent_<check>.prom`; check names are [a-zA-Z_][a-zA-Z0-9_]*. */
export function fileName(check: string | undefined): string {
  return check === undefined ? 'pushagent.prom' : `pushagent_${check}.prom`;
}

/**
 * A batch job's file (`pushagent exec`): `pushagent_job_<job>.prom`; a job name that is not
 * [A-Za-z0-9_]+ has the rest replaced by `_` and a hash of the whole name added.
 */
export function jobFileName(job: string): string {
  const safe = /^[A-Za-z0-9_]+$/.test(job)
    ? job
    : `${job.replace(/[^A-Za-z0-9_]/g, '_')}_${createHash('sha256').update(job).digest('hex').slice(0, 8)}`;
  return `pushagent_job_${safe}.prom`;
}

const FILE_RE = /^pushagent(?:_([A-Za-z_][A-Za-z0-9_]*))?\.prom$/;
/** `.pushagent_<check>.prom.<pid>.<n>.tmp`: not `*.prom`, so node_exporter never reads one. */
const TEMP_RE = /^\.pushagent(?:_[A-Za-z0-9_]+)?\.prom\.(\d+)\.\d+\.tmp$/;
const HEADER = '# pushagent: ';

/** The first line of every file: who wrote it. A comment, which node_exporter ignores. */
export function header(identity: Identity, check: string | undefined): string {
  const pairs = [
    ['job', identity.job],
    ['instance', identity.instance],
    ['check', check],
  ].filter(([, v]) => v !== undefined);
  return `${HEADER}${pairs.map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(',')}\n`;
}

/** Job and instance named by a file's first line, or undefined when the line is not pushagent's. */
export function ownerOf(text: string): { job?: string; instance?: string } | undefined {
  const first = text.slice(0, text.indexOf('\n') + 1 || undefined).trimEnd();
  if (!first.startsWith(HEADER)) return undefined;
  const owner: Record<string, string> = {};
  for (const m of first.slice(HEADER.length).matchAll(/(\w+)=("(?:[^"\\]|\\.)*")/g)) {
    try {
      owner[m[1]!] = JSON.parse(m[2]!) as string;
    } catch {
      return undefined;
    }
  }
  return owner;
}

/** The file's text for `report`; `kept`, the families of the file before that a merged report keeps. Pure. */
export function fileText(report: Report, kept: readonly MetricFamily[] = []): string {
  const families = exposedFamilies(report);
  const sent = new Set(families.map((f) => f.name));
  return header(report.identity, report.check) + serialize([...kept.filter((f) => !sent.has(f.name)), ...families]);
}

export async function textfileSinks(config: TextfileConfig, ctx: SinkContext): Promise<Sink[]> {
  if (ctx.dryRun)
    return [
      printingSink(
        ctx.stdout,
        (r) =>
          `# textfile ${path.join(config.directory, r.batchJob ? jobFileName(r.identity.job) : fileName(r.check))}\n${fileText(r)}`,
      ),
    ];
  return [new TextfileSink(config.directory, ctx)];
}

export class TextfileSink implements Sink {
  readonly target: string;
  readonly #dir: string;
  readonly #ctx: SinkContext;
  /** Per file, the last operation on it: operations on one file run in order. */
  readonly #chains = new Map<string, Promise<unknown>>();
  /** Files whose last write failed, to log a failure once per streak. */
  readonly #failing = new Set<string>();
  #seq = 0;

  constructor(directory: string, ctx: SinkContext) {
    this.#dir = directory;
    this.#ctx = ctx;
    this.target = directory;
  }

  write(report: Report): Promise<DeliveryOutcome> {
    const name = report.batchJob ? jobFileName(report.identity.job) : fileName(report.check);
    return this.#serial(name, async () => {
      const file = path.join(this.#dir, name);
      try {
        const kept = report.merge ? await this.#familiesIn(file) : [];
        await this.#replace(name, fileText(report, kept));
      } catch (err) {
        const error = new PushError(file, undefined, fileErrorReason(err), { cause: err, action: 'write file' });
        if (!this.#failing.has(name)) this.#ctx.log.error('cannot write a textfile', { file, error: error.reason });
        this.#failing.add(name);
        return { target: this.target, ok: false, retryable: false, error };
      }
      if (this.#failing.delete(name)) this.#ctx.log.info('textfile written again', { file });
      return { target: this.target, ok: true };
    });
  }

  async remove(identity: Identity, check: string | undefined): Promise<DeliveryOutcome> {
    return this.#delete(fileName(check), identity);
  }

  /** Deletes this job and instance's files whose check is not kept; files of anyone else stay. */
  async purge(identity: Identity, keep: Keep): Promise<DeliveryOutcome[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (err) {
      const error = new PushError(this.#dir, undefined, fileErrorReason(err), { cause: err, action: 'list files' });
      return [{ target: this.target, ok: false, retryable: false, error }];
    }
    const kept = new Set([...(keep.agent ? [fileName(undefined)] : []), ...keep.checks.map(fileName)]);
    const outcomes: DeliveryOutcome[] = [];
    for (const name of names) {
      const temp = TEMP_RE.exec(name);
      // A temporary file left by a process that died between writing and renaming.
      if (temp && !alive(Number(temp[1]))) await unlink(path.join(this.#dir, name)).catch(() => {});
      if (!FILE_RE.test(name) || kept.has(name)) continue;
      const outcome = await this.#delete(name, identity);
      if (outcome.subject !== undefined) {
        if (this.#ctx.mode === 'run' && outcome.ok)
          this.#ctx.log.info('deleted a textfile no check owns', { file: path.join(this.#dir, name) });
        outcomes.push(outcome);
      }
    }
    return outcomes;
  }

  async close(): Promise<boolean> {
    await Promise.all(this.#chains.values());
    return true;
  }

  /** Deletes `name` if `identity` wrote it; `subject` is set when there was something to delete. */
  #delete(name: string, identity: Identity): Promise<DeliveryOutcome> {
    return this.#serial(name, async () => {
      const file = path.join(this.#dir, name);
      try {
        const owner = ownerOf(await readHead(file));
        if (owner?.job !== identity.job || owner.instance !== identity.instance)
          return { target: this.target, ok: true };
        await unlink(file);
        return { target: this.target, ok: true, subject: file };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { target: this.target, ok: true };
        return {
          target: this.target,
          ok: false,
          retryable: false,
          subject: file,
          error: new PushError(file, undefined, fileErrorReason(err), { cause: err, action: 'delete' }),
        };
      }
    });
  }

  /** The families of the file there now (none when it is missing or unreadable as text 0.0.4). */
  async #familiesIn(file: string): Promise<MetricFamily[]> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parsed = parsePrometheusText(text);
    if (!parsed.ok)
      this.#ctx.log.warn('a textfile to merge into is not valid text 0.0.4: replacing it whole', {
        file,
        line: parsed.line,
        error: parsed.message,
      });
    return parsed.ok ? parsed.value : [];
  }

  /** Writes `text` to a temporary file beside `name`, mode 0644 whatever the umask, then renames it over `name`. */
  async #replace(name: string, text: string): Promise<void> {
    this.#seq += 1;
    const temp = path.join(this.#dir, `.${name}.${process.pid}.${this.#seq}.tmp`);
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(text);
      await handle.chmod(0o644);
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, path.join(this.#dir, name));
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
  }

  #serial<T>(name: string, op: () => Promise<T>): Promise<T> {
    const next = (this.#chains.get(name) ?? Promise.resolve()).then(op, op);
    const settled = next.then(
      () => {},
      () => {},
    );
    this.#chains.set(name, settled);
    void settled.then(() => {
      if (this.#chains.get(name) === settled) this.#chains.delete(name);
    });
    return next;
  }
}

/** The first bytes of a file: enough for its first line. */
async function readHead(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
