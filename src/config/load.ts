/**
 * The one loader `validate`, `once` and `run` share (STYLE rule 2): what validate accepts will run.
 * Finds the config file (cosmiconfig, module name `pushagent`) or takes `-c FILE`, expands
 * environment variables, validates it strictly, then loads every check. Throws ConfigError with
 * every problem found.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { ConfigError, type Problem } from '../errors.js';
import type { Labels } from '../metrics/types.js';
import { agentSchema, type PushgatewayConfig } from './agent-schema.js';
import type { CheckDef } from './check-def.js';
import { expandDocument } from './env-vars.js';
import { issueMessage, issuesToProblems, schemaKeys } from './issues.js';
import { loadChecks } from './load-checks.js';
import { locate, parseYaml } from './yaml-source.js';

export interface AgentConfig {
  /** The config file, or undefined for the zero-configuration default. */
  readonly file: string | undefined;
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

export const SEARCH_PLACES = ['pushagent.config.yaml', 'pushagent.config.yml', '.pushagentrc', '.pushagentrc.yaml', '.pushagentrc.yml'];

export const GROUPING_LABELS = ['job', 'instance', 'check'];

export async function load(opts: LoadOptions): Promise<Loaded> {
  const display = (file: string): string => displayPath(opts.cwd, file);
  const found = await findConfig(opts, display);
  const problems: Problem[] = [...found.problems];
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
  if (found.file !== undefined && found.text !== undefined) {
    const { source, problems: syntax } = parseYaml(display(found.file), found.text);
    problems.push(...syntax);
    if (syntax.length === 0) problems.push(...expandDocument(source, opts.env));
    const parsed = agentSchema.safeParse(source.doc.toJS() ?? {}, { error: issueMessage, reportInput: true });
    if (!parsed.success) {
      if (syntax.length === 0) {
        problems.push(...issuesToProblems(parsed.error.issues, { source, base: [], prefix: '', knownKeys: [...schemaKeys(agentSchema)] }));
      }
    } else {
      const c = parsed.data;
      for (const label of Object.keys(c.labels).filter((l) => GROUPING_LABELS.includes(l))) {
        problems.push({ ...locate(source, ['labels', label], 'key'), message: `label "${label}" is reserved: pushagent sets job, instance and check itself` });
      }
      if (c.instance === 'localhost') {
        problems.push({ ...locate(source, ['instance']), message: 'instance "localhost" would mix every host into one series: set the host\'s FQDN' });
      }
      config = {
        file: found.file,
        pushgateway: c.pushgateway,
        instance: c.instance,
        labels: c.labels,
        checksDir: path.resolve(path.dirname(found.file), c.checks_dir),
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

async function findConfig(
  opts: LoadOptions,
  display: (f: string) => string,
): Promise<{ file?: string; text?: string; problems: Problem[] }> {
  if (opts.configFile !== undefined) {
    const file = path.resolve(opts.cwd, opts.configFile);
    try {
      return { file, text: await readFile(file, 'utf8'), problems: [] };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const reason = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
      return { problems: [{ file: display(file), message: `cannot read the config file: ${reason}` }] };
    }
  }
  const raw = (filepath: string, content: string) => ({ filepath, content });
  const explorer = cosmiconfig('pushagent', {
    searchPlaces: SEARCH_PLACES,
    loaders: { '.yaml': raw, '.yml': raw, noExt: raw },
    searchStrategy: 'none',
    cache: false,
  });
  const result = await explorer.search(opts.cwd);
  if (!result) return { problems: [] };
  const { filepath, content } = result.config as { filepath: string; content: string };
  return { file: filepath, text: content, problems: [] };
}
