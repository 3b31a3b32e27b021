/** `command:` / `argv:` checks: run a process, parse its stdout with the check's output format. */
import path from 'node:path';
import * as z from 'zod';
import { describeValue } from '../errors.js';
import { CHECK_METRIC_NAME_RE, GATEWAY_METRIC_NAMES, OWN_PREFIX } from '../metrics/names.js';
import { nonEmptyString } from '../common/fields.js';
import type { CheckKind, Collected, KindProblem } from './kind.js';
import { runProcess, type ProcessOutcome } from './process.js';
import { describeExit } from './exit-codes.js';
import { readOutcome } from './outcome.js';
import { firstLine } from '../parse/result.js';
import { OUTPUT_NAMES, OUTPUTS, type OutputName } from './outputs.js';

// A regex rather than a refine, so that the JSON Schema carries the rule as a `pattern`.
const metricName = z
  .string({ error: (iss) => `expected a metric name, got ${describeValue(iss.input)}` })
  .regex(CHECK_METRIC_NAME_RE, {
    error: (iss) =>
      GATEWAY_METRIC_NAMES.includes(iss.input as string)
        ? `metric name ${describeValue(iss.input)} is reserved: the Pushgateway sets it on every group itself and would overwrite it`
        : `invalid metric name ${describeValue(iss.input)}: expected [a-zA-Z_:][a-zA-Z0-9_:]*, not starting with "${OWN_PREFIX}" (reserved for pushagent's own metrics)`,
  });

const shape = {
  command: nonEmptyString
    .optional()
    .describe('A shell command, run by /bin/sh -c. Exactly one of `command` or `argv`.'),
  argv: z
    .array(nonEmptyString)
    .min(1, { error: 'expected at least the program to run' })
    .optional()
    .describe('The program and its arguments, run directly (no shell). Exactly one of `command` or `argv`.'),
  output: z
    .enum(OUTPUT_NAMES)
    .optional()
    .describe(
      'How stdout becomes samples: value (one number, named by `metric`), prometheus (exposition text) or nagios (a Nagios plugin: exit status and perfdata). Default: value when `metric` is set, else prometheus.',
    ),
  metric: z
    .strictObject({
      name: metricName.describe(
        `The metric's name: [a-zA-Z_:][a-zA-Z0-9_:]*, not starting with ${OWN_PREFIX}, not ${GATEWAY_METRIC_NAMES.join(' or ')} (the Pushgateway's own).`,
      ),
      type: z
        .enum(['gauge', 'counter', 'untyped'])
        .default('gauge')
        .describe("The metric's type: gauge (default), counter or untyped."),
      help: nonEmptyString.optional().describe('The HELP text. Default: a generic one naming the metric.'),
    })
    .optional()
    .describe(
      'The metric the number of `output: value` is pushed as: required for `output: value`, refused with other outputs.',
    ),
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error: (iss) => `invalid environment variable name ${describeValue(iss.input)}`,
      }),
      z.union([z.string(), z.number(), z.boolean()]).transform(String),
    )
    .default({})
    .describe('Environment variables added to the inherited environment (which has LC_ALL=C unless set here).'),
  cwd: nonEmptyString
    .optional()
    .describe("The working directory, relative to the check file's folder. Default: that folder."),
};

type Fields = z.output<z.ZodObject<typeof shape>>;

export interface ExecSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly shell: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly output: OutputName;
  readonly metric:
    { readonly name: string; readonly type: 'gauge' | 'counter' | 'untyped'; readonly help: string } | undefined;
}

function toSpec(raw: Record<string, unknown>, problems: KindProblem[], where: { readonly dir: string }): ExecSpec {
  const f = raw as Fields;
  if (f.command !== undefined && f.argv !== undefined) {
    problems.push({
      path: ['argv'],
      message: 'use exactly one of `command` (run by /bin/sh -c) or `argv` (run directly), not both',
    });
  }
  const output = f.output ?? (f.metric ? 'value' : 'prometheus');
  if (output === 'value' && !f.metric) {
    problems.push({ path: ['output'], message: '`output: value` needs a `metric:` with at least a `name`' });
  }
  if (output !== 'value' && f.metric) {
    problems.push({
      path: ['metric'],
      message: `\`metric:\` only applies to \`output: value\`; with \`output: ${output}\` the names come from the output`,
    });
  }
  const [file, ...args] = f.command !== undefined ? ['/bin/sh', '-c', f.command] : (f.argv ?? ['']);
  return {
    file: file ?? '',
    args,
    shell: f.command !== undefined,
    env: f.env,
    // Relative to the check file's folder, so a script can sit beside its YAML.
    cwd: path.resolve(where.dir, f.cwd ?? '.'),
    output,
    metric: f.metric && {
      ...f.metric,
      help: f.metric.help ?? `${f.metric.name}, as printed by a pushagent check command.`,
    },
  };
}

async function collect(spec: ExecSpec, ctx: Parameters<CheckKind<ExecSpec>['collect']>[1]): Promise<Collected> {
  const outcome = await runProcess(spec, ctx);
  return interpret(spec, outcome);
}

/** Pure: a finished process and the check's output format → samples or a reason. */
export function interpret(spec: ExecSpec, outcome: ProcessOutcome): Collected {
  return readOutcome(outcome, ({ exitCode, stdout, stderr }) => {
    const format = OUTPUTS[spec.output];
    if (format.measures(exitCode)) return format.parse(stdout, exitCode, spec);
    const said = firstLine(stderr);
    const reason =
      format.failure?.(exitCode, stdout, stderr) ?? `${describeExit(exitCode)}${said === undefined ? '' : `: ${said}`}`;
    return { ok: false, reason, exitCode };
  });
}

export const execKind: CheckKind<ExecSpec> = {
  name: 'exec',
  triggers: ['command', 'argv'],
  shape,
  toSpec,
  collect,
  describe: (spec) => `exec/${spec.output}`,
  ownLabels: (spec) => OUTPUTS[spec.output].labels ?? [],
  declares: (spec) => (spec.metric ? [{ ...spec.metric, path: ['metric', 'name'] }] : []),
};
