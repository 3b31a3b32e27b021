/** The Nagios plugin output parser on its own: where perfdata is, labels, U, exact unit scaling. */
import { describe, expect, it } from 'vitest';
import { nagiosFamilies, parseNagiosOutput, type PerfDatum } from '../../src/parse/nagios.js';

function perfdata(stdout: string): readonly PerfDatum[] {
  const r = parseNagiosOutput(stdout);
  if (!r.ok) expect.fail(`line ${r.line}: ${r.message}`);
  return r.value.perfdata;
}

describe('parseNagiosOutput', () => {
  it('reads the summary before the first |, and perfdata after it', () => {
    expect(parseNagiosOutput('USERS OK - 0 users currently logged in |users=0;10;20;0\n')).toEqual({
      ok: true,
      value: {
        summary: 'USERS OK - 0 users currently logged in',
        perfdata: [{ label: 'users', unit: 'none', value: 0, warning: 10, critical: 20, min: 0, max: undefined }],
      },
    });
  });

  it('takes long text without | as text, and every line from the first | of the long text as perfdata', () => {
    const out = 'OK | a=1\nx=2 looks like perfdata but is text\nstill text | b=2\nc=3\n';
    expect(perfdata(out).map((d) => d.label)).toEqual(['a', 'b', 'c']);
  });

  it('keeps quoted labels exactly: spaces, =, a doubled quote, a path', () => {
    const out = "OK | 'a b'=1 'x=y'=2 'it''s'=3 /var/log=4 '/'=5 ''''=6\n";
    expect(perfdata(out).map((d) => d.label)).toEqual(['a b', 'x=y', "it's", '/var/log', '/', "'"]);
  });

  it('keeps a U value as undetermined, with its thresholds, and nagiosFamilies leaves it out', () => {
    const data = perfdata('CRITICAL | rta=Ums;100;200 pl=100%\n');
    expect(data[0]).toEqual({
      label: 'rta',
      unit: 'seconds',
      value: undefined,
      warning: 0.1,
      critical: 0.2,
      min: undefined,
      max: undefined,
    });
    const names = nagiosFamilies(2, data).map((f) => f.name);
    expect(names).toEqual(['pushagent_nagios_state', 'nagios_perfdata_ratio']);
  });

  it('moves the decimal point for ms, us and %, so values are the doubles nearest the printed decimals', () => {
    const [ms, us, pct] = perfdata('OK | a=0.036ms b=0.29us c=0.29%\n');
    expect(ms?.value).toBe(0.000036);
    expect(0.036 / 1000).not.toBe(0.000036); // what dividing would have pushed
    expect(us?.value).toBe(2.9e-7);
    expect(pct?.value).toBe(0.0029);
  });

  it('counts 1024 bytes to the KB, as check_disk and check_swap do', () => {
    expect(perfdata('OK | a=1KB b=1kB c=1MB d=1GB e=1TB f=1B\n').map((d) => d.value)).toEqual([
      1024,
      1024,
      1024 ** 2,
      1024 ** 3,
      1024 ** 4,
      1,
    ]);
  });

  it('pushes plain-number thresholds and drops ranges, which are valid but not one number', () => {
    const [d] = perfdata('OK | procs=79;1:1000;@10:20;0;\n');
    expect(d).toMatchObject({ warning: undefined, critical: undefined, min: 0, max: undefined });
    expect(perfdata('OK | a=1;~:5;10:;0;1\n')[0]).toMatchObject({
      warning: undefined,
      critical: undefined,
      min: 0,
      max: 1,
    });
  });

  it('names the line of a bad item', () => {
    expect(parseNagiosOutput('OK\nlong | a=1\nb=2 c=3X\n')).toMatchObject({ ok: false, line: 3 });
  });
});

describe('nagiosFamilies', () => {
  it('is the state alone without perfdata, and does not touch its input', () => {
    const data = Object.freeze(perfdata('OK | load1=0.5;1;2;0\n').map((d) => Object.freeze({ ...d })));
    expect(nagiosFamilies(0, [])).toEqual([
      {
        name: 'pushagent_nagios_state',
        type: 'gauge',
        help: expect.any(String),
        samples: [{ name: 'pushagent_nagios_state', labels: {}, value: 0 }],
      },
    ]);
    const families = nagiosFamilies(1, data);
    expect(families.map((f) => [f.name, f.type, f.samples.map((s) => [s.labels, s.value])])).toEqual([
      ['pushagent_nagios_state', 'gauge', [[{}, 1]]],
      ['nagios_perfdata', 'gauge', [[{ label: 'load1' }, 0.5]]],
      ['nagios_perfdata_warning', 'gauge', [[{ label: 'load1' }, 1]]],
      ['nagios_perfdata_critical', 'gauge', [[{ label: 'load1' }, 2]]],
      ['nagios_perfdata_min', 'gauge', [[{ label: 'load1' }, 0]]],
    ]);
  });

  it('makes c a counter named _total, its thresholds gauges beside the unitless ones', () => {
    const families = nagiosFamilies(0, perfdata('OK | octets=10c;;;0;4294967296\n'));
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ['pushagent_nagios_state', 'gauge'],
      ['nagios_perfdata_total', 'counter'],
      ['nagios_perfdata_min', 'gauge'],
      ['nagios_perfdata_max', 'gauge'],
    ]);
  });
});
