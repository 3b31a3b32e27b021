// The job of `pushagent once` with the netstat check, done by hand in the fewest lines of Node:
// no library, no validation, no timeout, no process group. What any Node program doing this job
// costs at least: the reference row of the one-shot benchmark.
// Usage: PUSHGATEWAY=http://127.0.0.1:9091 node bare-once.mjs
import { execFile } from 'node:child_process';
import http from 'node:http';

const run = (file, args) =>
  new Promise((resolve, reject) => execFile(file, args, (err, out) => (err ? reject(err) : resolve(out.trim()))));
const [host, count] = await Promise.all([
  run('hostname', ['-f']),
  run('/bin/sh', ['-c', 'netstat -an | grep -i wait | wc -l']),
]);
const body = `# TYPE count_netstat_wait_connections gauge\ncount_netstat_wait_connections ${Number(count)}\n`;
await new Promise((resolve, reject) => {
  const req = http.request(
    `${process.env.PUSHGATEWAY}/metrics/job/bare_node/instance/${host}`,
    { method: 'PUT' },
    (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    },
  );
  req.on('error', reject);
  req.end(body);
});
