import { describe, expect, it } from 'vitest';
import { phaseMs } from '../../src/agent/splay.js';
import { validate } from '../../src/commands/validate.js';
import { formatDuration } from '../../src/common/duration.js';
import { runCommand } from '../helpers/command.js';
import { workdir } from '../helpers/workdir.js';

describe('validate', () => {
  it('loads the shipped config.example.yaml and every shipped check, and prints their table', async () => {
    const r = await runCommand(validate, { config: 'config.example.yaml' });
    // Other shipped examples come and go: each test checks its own rows.
    expect(r.stderr).toMatch(/^\d+ checks valid \(config config\.example\.yaml, checks in checks\)\n$/);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^CHECK\s+SCHEDULE\s+PHASE\s+TIMEOUT\s+KIND\s+FILE$/);
    expect(r.stdout).toMatch(
      /^netstat_wait\s+every 15s\s+\+\d+(?:\.\d+)?m?s\s+5s\s+exec\/value\s+checks\/netstat-wait\.yaml:4$/m,
    );
    expect(r.stdout).toMatch(
      /^load15\s+cron 0 \* \* \* \* \*\s+-\s+5s\s+exec\/value\s+checks\/load-average\.yaml:11$/m,
    );
    expect(r.stdout).toMatch(
      /^memory\s+every 30s\s+\+\d+(?:\.\d+)?m?s\s+10s\s+exec\/prometheus\s+checks\/memory\.yaml:4$/m,
    );
    expect(r.stdout).toMatch(
      /^ping_localhost\s+every 30s\s+\+\d+(?:\.\d+)?m?s\s+2\.6s\s+ping\/127\.0\.0\.1\s+checks\/ping-localhost\.yaml:5$/m,
    );
    expect(r.stdout).toMatch(
      /^nagios_load\s+every 1m\s+\+\d+(?:\.\d+)?m?s\s+10s\s+exec\/nagios\s+checks\/nagios-load\.yaml:6$/m,
    );
    expect(r.stdout).toMatch(/^tcp_states\s+every 15s\s+\+\d+(?:\.\d+)?m?s\s+10s\s+tcp\s+checks\/tcp-states\.yaml:5$/m);
  });

  it("shows each check's splay phase on this instance: the daemon's, '-' without splay", async () => {
    const dir = await workdir({
      'pushagent.config.yaml': 'instance: web01.example.com\n',
      'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\ninterval: 15s\n',
      'checks/b.yaml': 'name: b\ncommand: echo 1\nmetric: {name: b_value}\ninterval: 15s\nsplay: false\n',
      'checks/c.yaml': 'name: c\ncommand: echo 1\nmetric: {name: c_value}\nschedule: "0 */5 * * * *"\n',
    });
    const r = await runCommand(validate, {}, { cwd: dir });
    expect(r.exitCode).toBe(0);
    const phase = formatDuration(phaseMs('web01.example.com', 'a', 15_000));
    expect(r.stdout).toMatch(new RegExp(`^a\\s+every 15s\\s+\\+${phase.replace('.', '\\.')}\\s+`, 'm'));
    expect(r.stdout).toMatch(/^b\s+every 15s\s+-\s+/m);
    // A schedule runs when it says unless the check asks for splay.
    expect(r.stdout).toMatch(/^c\s+cron 0 \*\/5 \* \* \* \*\s+-\s+/m);
  });

  it('prints every problem of every file, sorted, and exits 3', async () => {
    const dir = await workdir({
      'pushagent.config.yaml': 'pushgateway:\n  url: http://127.0.0.1:9091\n  metod: put\n',
      'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\ntimeout: 20s\ninterval: 10s\n',
      'checks/b.yaml': 'name: a\ncommand: echo 1\nmetric: {name: b_value}\n',
    });
    const r = await runCommand(validate, {}, { cwd: dir });
    expect(r.exitCode).toBe(3);
    // Config problems come first: checks are only read once the config itself is valid.
    expect(r.stderr).toBe(
      'pushagent.config.yaml:3:3: unknown key "pushgateway.metod" (did you mean "method"?)\n1 problem found\n',
    );
    const fixed = await workdir({
      'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\ntimeout: 20s\ninterval: 10s\n',
      'checks/b.yaml': 'name: a\ncommand: echo 1\nmetric: {name: b_value}\n',
    });
    const r2 = await runCommand(validate, {}, { cwd: fixed });
    expect(r2.exitCode).toBe(3);
    expect(r2.stderr).toBe(
      'checks/a.yaml:4:10: check "a": timeout 20s exceeds the interval 10s\n' +
        'checks/b.yaml:1:1: check "a" is defined twice: at checks/a.yaml:1:1 and here\n' +
        '2 problems found\n',
    );
  });

  it('reports secret and TLS files that cannot be read, resolved against the config file, with the other problems; exit 3', async () => {
    const dir = await workdir({
      'etc/pushagent.config.yaml': [
        'pushgateway:',
        '  url: https://127.0.0.1:9091',
        '  metod: put',
        '  auth: {username: u, password_file: secrets/pw}',
        '  tls:',
        '    ca_file: tls/ca.crt',
        '    cert_file: tls',
        '    key_file: tls/client.key',
        '',
      ].join('\n'),
      // Beside the working directory's copy, not the config file's: still missing.
      'secrets/pw': 'pw\n',
      'etc/tls/client.key': 'key\n',
    });
    const r = await runCommand(validate, { config: 'etc/pushagent.config.yaml' }, { cwd: dir });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(
      'etc/pushagent.config.yaml:3:3: unknown key "pushgateway.metod" (did you mean "method"?)\n' +
        'etc/pushagent.config.yaml:4:38: pushgateway.auth.password_file: cannot read etc/secrets/pw: no such file\n' +
        'etc/pushagent.config.yaml:6:14: pushgateway.tls.ca_file: cannot read etc/tls/ca.crt: no such file\n' +
        'etc/pushagent.config.yaml:7:16: pushgateway.tls.cert_file: cannot read etc/tls: is a directory\n' +
        '4 problems found\n',
    );
  });

  it('a missing -c file is exit 3 naming it', async () => {
    const r = await runCommand(validate, { config: 'nope.yaml' });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe('nope.yaml: cannot read the config file: no such file\n1 problem found\n');
  });
});
