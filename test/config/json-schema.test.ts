/**
 * schema/*.schema.json: generated from the loader's zod schemas (src/config/json-schema.ts), committed
 * for editors. They must be current, accept every shipped example, and refuse what the loader
 * refuses for the file's shape. `UPDATE_SCHEMA=1 npm test` rewrites them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { load } from '../../src/config/load.js';
import { loadChecks } from '../../src/config/load-checks.js';
import { checkFileJsonSchema, configFileJsonSchema, jsonSchemaFiles } from '../../src/config/json-schema.js';
import { ConfigError, formatProblem } from '../../src/errors.js';
import { REPO } from '../helpers/cli.js';
import { workdir } from '../helpers/workdir.js';

const CHECK_EXAMPLES = readdirSync(path.join(REPO, 'checks'))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((f) => `checks/${f}`);
const CONFIG_EXAMPLE = 'config.example.yaml';

// strict: a keyword ajv does not know, or a type it cannot check, fails the compilation. Except
// `required` naming a key defined beside it rather than in the same subschema: that is how a check
// says "exactly one of command or argv" (`oneOf: [{required: [command]}, {required: [argv]}]`).
const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
const validCheckFile = ajv.compile(checkFileJsonSchema());
const validConfigFile = ajv.compile(configFileJsonSchema());

/** The schema's verdict on a YAML text: undefined when valid, else ajv's errors. */
function schemaErrors(validate: typeof validCheckFile, yaml: string): string | undefined {
  return validate(parse(yaml)) ? undefined : ajv.errorsText(validate.errors, { separator: '\n' });
}

describe('schema/*.schema.json', () => {
  const files = jsonSchemaFiles();
  it.each(Object.keys(files))('%s is generated from the current zod schemas', (rel) => {
    const file = path.join(REPO, rel);
    if (process.env.UPDATE_SCHEMA) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, files[rel]!);
    }
    const committed = existsSync(file) ? readFileSync(file, 'utf8') : '(missing)';
    expect(committed, `${rel} is stale: regenerate it with \`UPDATE_SCHEMA=1 npm test\` and commit it`).toBe(
      files[rel],
    );
  });
});

describe('shipped examples', () => {
  it.each(CHECK_EXAMPLES)('%s starts with its $schema line and matches the check file schema', (rel) => {
    const text = readFileSync(path.join(REPO, rel), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/check.schema.json');
    expect(schemaErrors(validCheckFile, text)).toBeUndefined();
  });

  it(`${CONFIG_EXAMPLE} starts with its $schema line and matches the config file schema`, () => {
    const text = readFileSync(path.join(REPO, CONFIG_EXAMPLE), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=schema/config.schema.json');
    expect(schemaErrors(validConfigFile, text)).toBeUndefined();
  });
});

/** The loader's problems for one check file (the defaults and reserved labels of a config without labels). */
async function checkProblems(yaml: string): Promise<string[]> {
  const dir = await workdir({ 'checks/c.yaml': yaml });
  const r = await loadChecks(path.join(dir, 'checks'), {
    defaults: { intervalMs: 15_000, timeoutMs: 10_000, killGraceMs: 2000 },
    reservedLabels: ['job', 'instance', 'check'],
    display: (f) => path.relative(dir, f),
  });
  return r.problems.map(formatProblem);
}

/** The loader's problems for one config file, with a valid checks folder beside it. */
async function configProblems(yaml: string, env: Record<string, string> = {}): Promise<string[]> {
  const cwd = await workdir({
    'c.yaml': yaml,
    'checks/up.yaml': 'name: up\ncommand: echo 1\nmetric: {name: up_value}\n',
  });
  return load({ cwd, configFile: 'c.yaml', env }).then(
    () => [],
    (e: unknown) => {
      if (!(e instanceof ConfigError)) throw e;
      return e.problems.map(formatProblem);
    },
  );
}

describe('the check file schema refuses what the loader refuses', () => {
  const exec = 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n';
  // [what, the file, a part of the loader's message]
  const cases: [string, string, string][] = [
    ['an unknown key', `${exec}colour: red\n`, 'unknown key "colour"'],
    ['a duration as a number', `${exec}interval: 15\n`, 'interval: expected a duration'],
    ['a duration without a unit', `${exec}timeout: "5"\n`, 'timeout: expected a duration'],
    [
      'two kinds: command and ping',
      'name: a\ncommand: echo 1\nping: {target: 127.0.0.1}\n',
      'expected exactly one kind of check',
    ],
    ['two kinds: tcp and ping', 'name: a\ntcp: {}\nping: {target: 127.0.0.1}\n', 'expected exactly one kind of check'],
    ['no kind', 'name: a\ninterval: 15s\n', 'expected exactly one kind of check'],
    [
      'both command and argv',
      'name: a\ncommand: echo 1\nargv: [echo, "1"]\nmetric: {name: a_value}\n',
      'use exactly one of `command`',
    ],
    [
      'an exec key on a built-in kind',
      'name: a\ntcp: {}\noutput: value\n',
      'unknown key "output" (it belongs to another kind of check)',
    ],
    ['no name', 'command: echo 1\nmetric: {name: a_value}\n', 'missing required key "name"'],
    ['an invalid check name', 'name: bad-name\ncommand: echo 1\nmetric: {name: a_value}\n', 'invalid check name'],
    ['an invalid metric name', 'name: a\ncommand: echo 1\nmetric: {name: 9lives}\n', 'invalid metric name "9lives"'],
    [
      "a metric name of pushagent's own",
      'name: a\ncommand: echo 1\nmetric: {name: pushagent_x}\n',
      'invalid metric name "pushagent_x"',
    ],
    ['an invalid label name', `${exec}labels: {bad-label: x}\n`, 'invalid label name "bad-label"'],
    ['a label name starting with __', `${exec}labels: {__meta: x}\n`, 'invalid label name "__meta"'],
    ['an invalid environment variable name', `${exec}env: {1X: y}\n`, 'invalid environment variable name'],
    ['a 5-field schedule', `${exec}schedule: "* * * * *"\n`, 'expected a 6-field cron expression'],
    ['an unknown output', 'name: a\ncommand: echo 1\noutput: json\n', 'output: expected one of'],
    ['an unknown ping key', 'name: a\nping: {target: 127.0.0.1, cont: 3}\n', 'unknown key "ping.cont"'],
    [
      'a ping count out of range',
      'name: a\nping: {target: 127.0.0.1, count: 0}\n',
      'ping.count: expected the number of echo requests',
    ],
    ['an invalid ping target', 'name: a\nping: {target: -f}\n', 'ping.target: expected a host name or address'],
    ['a port out of range', 'name: a\ntcp: {ports: [70000]}\n', 'tcp.ports.0: expected a port number'],
    ['tcp: null', 'name: a\ntcp:\n', 'tcp: expected a mapping'],
    ['a bad check in a list', '- name: a\n  tcp: {}\n- name: b\n  tcp: {}\n  colour: red\n', 'unknown key "colour"'],
  ];

  it.each(cases)('%s', async (_what, yaml, message) => {
    expect(schemaErrors(validCheckFile, yaml)).toBeDefined();
    expect((await checkProblems(yaml)).join('\n')).toContain(message);
  });

  it('accepts each kind, a list, argv and a schedule, as the loader does', async () => {
    const yaml = [
      '- name: a',
      '  argv: [echo, "1"]',
      '  metric: {name: a_value, type: counter, help: A.}',
      '  schedule: "*/30 * * * * *"',
      '  labels: {dc: 1, primary: true, _x: y}',
      '  env: {X: 1}',
      '- name: b',
      '  ping: {targets: [127.0.0.1, localhost], count: 2, packet_interval: 200ms, reply_timeout: 1s, size: 16, ip: 4}',
      '  interval: 30s',
      '- name: c',
      '  tcp: {ports: [80, 443], ip: both}',
      '  timeout: 1m30s',
      '  interval: 2m',
      '',
    ].join('\n');
    expect(schemaErrors(validCheckFile, yaml)).toBeUndefined();
    expect(await checkProblems(yaml)).toEqual([]);
  });
});

describe('the config file schema', () => {
  const cases: [string, string, string][] = [
    ['an unknown key', 'colour: red\n', 'unknown key "colour"'],
    ['a duration as a number', 'shutdown_timeout: 5\n', 'shutdown_timeout: expected a duration'],
    ['an unknown key in defaults', 'defaults: {intervall: 15s}\n', 'unknown key "defaults.intervall"'],
    [
      'an unknown method',
      'pushgateway: {url: "http://127.0.0.1:9091", method: get}\n',
      'pushgateway.method: expected one of',
    ],
    ['a pushgateway without url', 'pushgateway: {job: x}\n', 'pushgateway.url'],
    ['an empty list of URLs', 'pushgateway: {url: []}\n', 'expected at least one URL'],
    ['a label name starting with __', 'labels: {__x: y}\n', 'invalid label name "__x"'],
    // Keys are never expanded: ${...} is accepted only in values.
    ['a ${VAR} as a label name', 'labels: {"${DC}": y}\n', 'invalid label name "${DC}"'],
    ['a boolean as a string', 'delete_on_shutdown: "yes"\n', 'delete_on_shutdown: expected true or false'],
  ];

  it.each(cases)('refuses %s, as the loader does', async (_what, yaml, message) => {
    expect(schemaErrors(validConfigFile, yaml)).toBeDefined();
    expect((await configProblems(yaml)).join('\n')).toContain(message);
  });

  it('accepts ${VAR} references where a pattern or a list of words applies, as the loader does (it expands them first)', async () => {
    const yaml =
      'pushgateway:\n  url: ${PGW:-http://127.0.0.1:9091}\n  timeout: ${PGW_TIMEOUT:-5s}\n  method: ${PGW_METHOD:-post}\ninstance: web01\n';
    expect(schemaErrors(validConfigFile, yaml)).toBeUndefined();
    expect(await configProblems(yaml)).toEqual([]);
  });
});
