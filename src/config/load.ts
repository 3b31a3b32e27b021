/**
 * The one loader `validate`, `once` and `run` share (STYLE rule 2): what validate accepts will run.
 * Finds the config file (find-config.ts: cosmiconfig's search) or takes `-c FILE`,
 * expands environment variables, validates it strictly, checks that the secret and TLS files it
 * names can be read, then loads every check. Throws ConfigError with every problem found.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, fileErrorReason, type Problem } from '../errors.js';
import { isSeq } from 'yaml';
import { instanceProblem } from '../host.js';
import {
  agentSchema,
  remoteWriteTextPaths,
  SCALAR_TEXT_PATHS,
  type AgentFileConfig,
  type ExporterFileConfig,
} from './agent-schema.js';
import type { CheckDef } from './check-def.js';
import { expandDocument } from './env-vars.js';
import { issueMessage, issuesToProblems, schemaKeys } from './issues.js';
import { loadChecks } from './load-checks.js';
import type { FoundConfig } from './find-config.js';
import { readTextFile } from './text-file.js';
import { loadWebConfig, type WebConfig } from './web-config.js';
import {
  dataOf,
  keepScalarText,
  locate,
  narrowTo,
  parseYaml,
  valueAt,
  type YamlPath,
  type YamlSource,
} from './yaml-source.js';

/**
 * The configuration as the schema outputs it (defaults filled in, durations in ms), with every
 * `*_file` made absolute against the config file's folder, plus what is derived from it.
 */
export type AgentConfig = Omit<AgentFileConfig, 'job' | 'checks_dir' | 'exporter'> & {
  /** `exporter`, with its web configuration file read and validated (undefined without one). */
  readonly exporter?: ExporterConfig;
  /** The config file, or undefined for the zero-configuration default. */
  readonly file: string | undefined;
  /** The job label of every series: `job`, else the older `pushgateway.job`, else pushagent. */
  readonly job: string;
  /** `checks_dir`, absolute. */
  readonly checksDir: string;
};

export type ExporterConfig = ExporterFileConfig & { readonly web: WebConfig | undefined };

export interface Loaded {
  readonly config: AgentConfig;
  readonly checks: readonly CheckDef[];
}

export interface LoadOptions {
  readonly configFile?: string | undefined;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** false: the config file only, no checks (`exec`, which runs none). Default true. */
  readonly checks?: boolean;
}

export const GROUPING_LABELS = ['job', 'instance', 'check'];

export async function load(opts: LoadOptions): Promise<Loaded> {
  const display = (file: string): string => displayPath(opts.cwd, file);
  const { found, problems } = await configText(opts, display);
  let config = configFrom(agentSchema.parse({}), undefined, opts.cwd);
  if (found !== undefined) {
    const yaml = parseYaml(display(found.file), found.text);
    // package.json: its `pushagent` key, positions still those of package.json.
    const source = found.key === undefined ? yaml.source : narrowTo(yaml.source, found.key);
    let web: WebConfig | undefined;
    if (yaml.problems.length === 0) problems.push(...expandDocument(source, opts.env));
    const receivers = source.doc.get('remote_write');
    const rwPaths = isSeq(receivers) ? receivers.items.flatMap((_, i) => remoteWriteTextPaths(i)) : [];
    keepScalarText(source, [...SCALAR_TEXT_PATHS, ...rwPaths]);
    const data = dataOf(source);
    const syntax = [...yaml.problems, ...data.problems];
    problems.push(...syntax);
    const raw: unknown = data.data ?? {};
    const dir = path.dirname(found.file);
    const parsed = agentSchema.safeParse(raw, { error: issueMessage, reportInput: true });
    if (syntax.length === 0) {
      if (!parsed.success) {
        problems.push(
          ...issuesToProblems(parsed.error.issues, {
            source,
            base: [],
            prefix: '',
            knownKeys: [...schemaKeys(agentSchema)],
          }),
        );
      }
      // Checked even when the rest is invalid, so that every problem is found in one go.
      problems.push(...(await unreadableFiles(raw, dir, source, display, problems)));
      const local = await localOutputs(raw, dir, source, display, problems);
      problems.push(...local.problems);
      web = local.web;
    }
    if (parsed.success) {
      const c = parsed.data;
      for (const label of Object.keys(c.labels).filter((l) => GROUPING_LABELS.includes(l))) {
        problems.push({
          ...locate(source, ['labels', label], 'key'),
          message: `label "${label}" is reserved: pushagent sets job, instance and check itself`,
        });
      }
      const instance = c.instance === undefined ? undefined : instanceProblem(c.instance);
      if (instance !== undefined) {
        problems.push({
          ...locate(source, ['instance']),
          message: `instance ${JSON.stringify(c.instance)} ${instance}; set this host's FQDN`,
        });
      }
      if (c.job !== undefined && c.pushgateway?.job !== undefined && c.job !== c.pushgateway.job) {
        problems.push({
          ...locate(source, ['pushgateway', 'job']),
          message: `pushgateway.job "${c.pushgateway.job}" differs from job "${c.job}": every output carries one job label; set only \`job\``,
        });
      }
      config = configFrom(c, found.file, dir);
      if (config.exporter) config = { ...config, exporter: { ...config.exporter, web } };
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (opts.checks === false) return { config, checks: [] };
  const { interval, timeout, kill_grace } = config.defaults;
  const { checks, problems: checkProblems } = await loadChecks(config.checksDir, {
    defaults: { intervalMs: interval, timeoutMs: timeout, killGraceMs: kill_grace, splay: config.splay },
    reservedLabels: [...GROUPING_LABELS, ...Object.keys(config.labels)],
    display,
  });
  if (checkProblems.length > 0) throw new ConfigError(checkProblems);
  return { config, checks };
}

/** How a file is named in messages: relative to the working directory when inside it. */
export function displayPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function configFrom(c: AgentFileConfig, file: string | undefined, dir: string): AgentConfig {
  const { job, checks_dir: checksDir, textfile, exporter, ...rest } = withAbsoluteFiles(c, dir);
  return {
    ...rest,
    ...(textfile ? { textfile: { directory: path.resolve(dir, textfile.directory) } } : {}),
    ...(exporter ? { exporter: { ...exporter, web: undefined } } : {}),
    file,
    job: job ?? c.pushgateway?.job ?? 'pushagent',
    checksDir: path.resolve(dir, checksDir),
  };
}

/**
 * The textfile folder (it must exist and be writable) and the exporter's web config (read and
 * validated), from the document itself so that they are checked even when the rest is invalid; a
 * value that already has a problem (a bad type, an unset variable, an unreadable file) is skipped.
 */
async function localOutputs(
  raw: unknown,
  dir: string,
  source: YamlSource,
  display: (f: string) => string,
  known: readonly Problem[],
): Promise<{ problems: Problem[]; web?: WebConfig }> {
  const located = (where: YamlPath): { at: ReturnType<typeof locate>; value: string } | undefined => {
    const value = valueAt(raw, where);
    const at = locate(source, where);
    if (
      typeof value !== 'string' ||
      value === '' ||
      known.some((p) => p.file === at.file && p.line === at.line && p.col === at.col)
    )
      return undefined;
    return { at, value };
  };
  const problems: Problem[] = [];
  const directory = located(['textfile', 'directory']);
  if (directory)
    problems.push(...(await unwritableDirectory(path.resolve(dir, directory.value), directory.at, display)));
  const webFile = located(['exporter', 'web_config_file']);
  if (!webFile) return { problems };
  const loaded = await loadWebConfig(path.resolve(dir, webFile.value), display);
  return { problems: [...problems, ...loaded.problems], ...(loaded.web ? { web: loaded.web } : {}) };
}

/** A problem at `at` unless `dir` is a folder this process can create files in. */
async function unwritableDirectory(
  dir: string,
  at: { file: string; line: number; col: number },
  display: (f: string) => string,
): Promise<Problem[]> {
  let reason: string | undefined;
  try {
    if (!(await stat(dir)).isDirectory()) reason = 'not a directory';
    else await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    reason = fileErrorReason(err) === 'no such file' ? 'no such directory' : fileErrorReason(err);
  }
  return reason === undefined
    ? []
    : [{ ...at, message: `textfile.directory: cannot write files in ${display(dir)}: ${reason}` }];
}

/** Every `*_file` value of the config, as [its path in the document, the value]. */
function fileKeys(data: unknown, at: YamlPath = []): [YamlPath, string][] {
  if (data === null || typeof data !== 'object') return [];
  return Object.entries(data).flatMap(([k, v]): [YamlPath, string][] => {
    const here = [...at, Array.isArray(data) ? Number(k) : k];
    if (k.endsWith('_file') && typeof v === 'string' && v !== '') return [[here, v]];
    return fileKeys(v, here);
  });
}

/** `c` with every `*_file` resolved against `dir`, like `checks_dir` (absolute ones unchanged). */
function withAbsoluteFiles<T>(c: T, dir: string): T {
  if (c === null || typeof c !== 'object') return c;
  if (Array.isArray(c)) return c.map((v) => withAbsoluteFiles(v, dir)) as T;
  return Object.fromEntries(
    Object.entries(c).map(([k, v]) => [
      k,
      k.endsWith('_file') && typeof v === 'string' ? path.resolve(dir, v) : withAbsoluteFiles(v, dir),
    ]),
  ) as T;
}

/**
 * A problem, located at its value, for every secret, TLS or other `*_file` of the document (`raw`)
 * that cannot be read; a value that already has a problem (a bad type, an unset variable) is skipped.
 */
async function unreadableFiles(
  raw: unknown,
  dir: string,
  source: YamlSource,
  display: (f: string) => string,
  known: readonly Problem[],
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [where, value] of fileKeys(raw)) {
    const at = locate(source, where);
    if (known.some((p) => p.file === at.file && p.line === at.line && p.col === at.col)) continue;
    const file = path.resolve(dir, value);
    const reason = await unreadable(file);
    if (reason !== undefined)
      problems.push({ ...at, message: `${where.join('.')}: cannot read ${display(file)}: ${reason}` });
  }
  return problems;
}

/** Why `file` cannot be read (`no such file`, `permission denied`, `is a directory`), or undefined. */
async function unreadable(file: string): Promise<string | undefined> {
  try {
    if ((await stat(file)).isDirectory()) return 'is a directory';
    await access(file, constants.R_OK);
    return undefined;
  } catch (err) {
    return fileErrorReason(err);
  }
}

async function configText(
  opts: LoadOptions,
  display: (f: string) => string,
): Promise<{ found?: FoundConfig; problems: Problem[] }> {
  if (opts.configFile === undefined) {
    const { findConfig } = await import('./find-config.js');
    return findConfig(opts.cwd, opts.env, display);
  }
  const file = path.resolve(opts.cwd, opts.configFile);
  const read = await readTextFile(file);
  if (read.ok) return { found: { file, text: read.text }, problems: [] };
  if (read.line !== undefined)
    return { problems: [{ file: display(file), line: read.line, col: 1, message: read.message }] };
  return { problems: [{ file: display(file), message: `cannot read the config file: ${read.message}` }] };
}
