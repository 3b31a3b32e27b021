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
import type { Labels } from '../metrics/types.js';
import { agentSchema, type PushgatewayConfig } from './agent-schema.js';
import type { CheckDef } from './check-def.js';
import { expandDocument } from './env-vars.js';
import { issueMessage, issuesToProblems, schemaKeys } from './issues.js';
import { loadChecks } from './load-checks.js';
import type { FoundConfig } from './find-config.js';
import { readTextFile } from './text-file.js';
import { dataOf, locate, narrowTo, parseYaml, valueAt, type YamlSource } from './yaml-source.js';

export interface AgentConfig {
  /** The config file, or undefined for the zero-configuration default. */
  readonly file: string | undefined;
  /** Its secret and TLS files are absolute: resolved against the config file's folder. */
  readonly pushgateway: PushgatewayConfig | undefined;
  readonly instance: string | undefined;
  readonly labels: Labels;
  readonly checksDir: string;
  readonly defaults: { readonly intervalMs: number; readonly timeoutMs: number; readonly killGraceMs: number };
  readonly shutdownTimeoutMs: number;
  readonly deleteOnShutdown: boolean;
}

export interface Loaded {
  readonly config: AgentConfig;
  readonly checks: readonly CheckDef[];
}

export interface LoadOptions {
  readonly configFile?: string | undefined;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const GROUPING_LABELS = ['job', 'instance', 'check'];

export async function load(opts: LoadOptions): Promise<Loaded> {
  const display = (file: string): string => displayPath(opts.cwd, file);
  const { found, problems } = await configText(opts, display);
  let config: AgentConfig = {
    file: undefined,
    pushgateway: undefined,
    instance: undefined,
    labels: {},
    checksDir: path.resolve(opts.cwd, 'checks'),
    defaults: { intervalMs: 15_000, timeoutMs: 10_000, killGraceMs: 2000 },
    shutdownTimeoutMs: 5000,
    deleteOnShutdown: false,
  };
  if (found !== undefined) {
    const yaml = parseYaml(display(found.file), found.text);
    // package.json: its `pushagent` key, positions still those of package.json.
    const source = found.key === undefined ? yaml.source : narrowTo(yaml.source, found.key);
    if (yaml.problems.length === 0) problems.push(...expandDocument(source, opts.env));
    const data = dataOf(source);
    const syntax = [...yaml.problems, ...data.problems];
    problems.push(...syntax);
    const raw: unknown = data.data ?? {};
    const dir = path.dirname(found.file);
    const parsed = agentSchema.safeParse(raw, { error: issueMessage, reportInput: true });
    if (syntax.length === 0) {
      if (!parsed.success) {
        problems.push(...issuesToProblems(parsed.error.issues, { source, base: [], prefix: '', knownKeys: [...schemaKeys(agentSchema)] }));
      }
      // Checked even when the rest is invalid, so that every problem is found in one go.
      problems.push(...(await unreadableFiles(raw, dir, source, display, problems)));
    }
    if (parsed.success) {
      const c = parsed.data;
      for (const label of Object.keys(c.labels).filter((l) => GROUPING_LABELS.includes(l))) {
        problems.push({ ...locate(source, ['labels', label], 'key'), message: `label "${label}" is reserved: pushagent sets job, instance and check itself` });
      }
      if (c.instance === 'localhost') {
        problems.push({ ...locate(source, ['instance']), message: 'instance "localhost" would mix every host into one series: set the host\'s FQDN' });
      }
      config = {
        file: found.file,
        pushgateway: c.pushgateway && resolveFiles(c.pushgateway, dir),
        instance: c.instance,
        labels: c.labels,
        checksDir: path.resolve(dir, c.checks_dir),
        defaults: { intervalMs: c.defaults.interval, timeoutMs: c.defaults.timeout, killGraceMs: c.defaults.kill_grace },
        shutdownTimeoutMs: c.shutdown_timeout,
        deleteOnShutdown: c.delete_on_shutdown,
      };
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const { checks, problems: checkProblems } = await loadChecks(config.checksDir, {
    defaults: config.defaults,
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

/** The files `pushgateway` names, as [section, key]: the sink reads them when it starts. */
const GATEWAY_FILES = [
  ['auth', 'password_file'],
  ['auth', 'bearer_token_file'],
  ['tls', 'ca_file'],
  ['tls', 'cert_file'],
  ['tls', 'key_file'],
] as const;

/** `pg` with its secret and TLS files resolved against `dir`, like `checks_dir` (absolute ones unchanged). */
function resolveFiles(pg: PushgatewayConfig, dir: string): PushgatewayConfig {
  const resolved = (section: Record<string, unknown>, keys: readonly string[]) =>
    Object.fromEntries(Object.entries(section).map(([k, v]) => [k, keys.includes(k) && typeof v === 'string' ? path.resolve(dir, v) : v]));
  const keysOf = (section: string) => GATEWAY_FILES.filter(([s]) => s === section).map(([, k]) => k);
  return {
    ...pg,
    ...(pg.auth && { auth: resolved(pg.auth, keysOf('auth')) as PushgatewayConfig['auth'] }),
    ...(pg.tls && { tls: resolved(pg.tls, keysOf('tls')) as PushgatewayConfig['tls'] }),
  };
}

/**
 * A problem, located at its key's value, for every secret or TLS file of the document (`raw`) that
 * cannot be read; a value that already has a problem (a bad type, an unset variable) is skipped.
 */
async function unreadableFiles(
  raw: unknown,
  dir: string,
  source: YamlSource,
  display: (f: string) => string,
  known: readonly Problem[],
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [section, key] of GATEWAY_FILES) {
    const value = valueAt(raw, ['pushgateway', section, key]);
    if (typeof value !== 'string' || value === '') continue;
    const at = locate(source, ['pushgateway', section, key]);
    if (known.some((p) => p.file === at.file && p.line === at.line && p.col === at.col)) continue;
    const file = path.resolve(dir, value);
    const reason = await unreadable(file);
    if (reason !== undefined) problems.push({ ...at, message: `pushgateway.${section}.${key}: cannot read ${display(file)}: ${reason}` });
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
  if (read.line !== undefined) return { problems: [{ file: display(file), line: read.line, col: 1, message: read.message }] };
  return { problems: [{ file: display(file), message: `cannot read the config file: ${read.message}` }] };
}
