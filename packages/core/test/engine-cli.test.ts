// The CLI end to end, inside the pod sandbox (one sandbox, several steps): --version, list, run in every format
// with the human lines on stderr, --output, render of the Job's NDJSON, and usage/config errors exiting 2 with
// no stack.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runInSandbox, REPO_ROOT, CONFIG_PATH } from '../../../test/sandbox/index.ts';
import type { Report } from '../src/types.ts';

const world = ['c14-self-merged-with-platform', 'healthy-basic'].map((w) => join(REPO_ROOT, 'test/worlds', `${w}.yaml`)).find(existsSync);
const CLI = [process.execPath, '--import', 'tsx', 'packages/cli/src/bin.ts'];
const JOB = [process.execPath, '--import', 'tsx', 'packages/job/src/main.ts'];
const sh = (script: string) => ['sh', '-c', script];
const q = (args: string[]) => args.map((a) => `'${a}'`).join(' ');

t.test('the CLI in the sandbox', { skip: world ? false : 'no world to run' }, async (t) => {
  const steps = {
    version: [...CLI, '--version'],
    list: [...CLI, 'list'],
    listJson: [...CLI, 'list', '--format', 'json'],
    json: [...CLI, 'run', '--config', CONFIG_PATH, '--format', 'json'],
    text: [...CLI, 'run', '--config', CONFIG_PATH],
    junit: [...CLI, 'run', '--config', CONFIG_PATH, '--format', 'junit', '--only', 'identity.caller,identity.self-assume'],
    sarif: sh(`${q(CLI)} run --config ${CONFIG_PATH} --format sarif --output "$HOME/r.sarif" >"$HOME/out" 2>"$HOME/err"; c=$?; cat "$HOME/r.sarif"; echo "--stdout--"; cat "$HOME/out"; exit $c`),
    render: sh(`GATEWAY_DOCTOR_OUTPUT=ndjson ${q(JOB)} > "$HOME/events.ndjson"; ${q(CLI)} render "$HOME/events.ndjson" --format json`),
    renderBad: sh(`printf '{"schemaVersion":1,"type":"probe-start","probe":"x"}\\nnot json\\n' > "$HOME/bad.ndjson"; ${q(CLI)} render "$HOME/bad.ndjson"`),
    badFormat: [...CLI, 'run', '--config', CONFIG_PATH, '--format', 'xml'],
    badFlag: [...CLI, 'run', '--config', CONFIG_PATH, '--frobnicate', 'x'],
    badWhere: [...CLI, 'run', '--config', CONFIG_PATH, '--where', 'moon'],
    badOnly: [...CLI, 'run', '--config', CONFIG_PATH, '--only', 'identity.nope'],
    badCommand: [...CLI, 'frobnicate'],
    badConfig: [...CLI, 'run', '--config', '/etc/gateway-doctor/bad.yaml'],
    missingConfig: [...CLI, 'run', '--config', '/etc/gateway-doctor/none.yaml'],
    help: [...CLI, 'run', '--help'],
  };
  const names = Object.keys(steps) as (keyof typeof steps)[];
  const result = await runInSandbox({
    world: world!,
    steps: names.map((n) => steps[n]),
    files: { '/etc/gateway-doctor/bad.yaml': `region: us-east-1\nroleArn: arn:aws:iam::111122223333:role/ai-gateway\nplatformAccountId: 99\ntargets: [{ name: db, host: db.example.internal, port: 99999 }]\n` },
    timeoutMs: 600_000,
  });
  const step = Object.fromEntries(names.map((n, i) => [n, result.steps[i]!])) as Record<keyof typeof steps, (typeof result.steps)[number]>;

  t.equal(step.version.stdout, 'gateway-doctor 0.1.0\n');
  t.equal(step.version.exitCode, 0);
  t.match(step.list.stdout, /^ID\s+AREA\s+NEEDS\s+TITLE\n/);
  t.match(step.list.stdout, /\nidentity\.self-assume\s+identity\s+identity\.caller\s+/);
  const listed = JSON.parse(step.listJson.stdout);
  t.ok(listed.probes.some((p: { id: string }) => p.id === 'identity.caller'));

  const report = JSON.parse(step.json.stdout) as Report;
  t.equal(report.schemaVersion, 1);
  t.equal(step.json.exitCode, report.exitCode, 'exit code is the report’s');
  for (const o of report.outcomes) t.ok(step.json.stderr.includes(`${o.probe}${o.subject !== undefined ? ' ' + o.subject : ''}`), `human line on stderr for ${o.probe}`);
  t.match(step.json.stderr, /\d+ passed, \d+ warnings?, \d+ failed, \d+ skipped, \d+ errors?\n/);

  t.equal(step.text.exitCode, report.exitCode);
  t.match(step.text.stdout, /^gateway-doctor 0\.1\.0 — in a pod\n/);
  t.notMatch(step.text.stdout, /\u001b\[/, 'no colour when not a terminal');
  t.equal(step.text.stdout.trimEnd().split('\n').at(-1), step.json.stderr.trimEnd().split('\n').at(-1), 'same closing count line');

  t.match(step.junit.stdout, /^<\?xml /);
  t.equal((step.junit.stdout.match(/<testcase /g) ?? []).length, 2, '--only ran two probes');

  const [sarifText, stdoutAfter] = step.sarif.stdout.split('--stdout--\n');
  t.equal(JSON.parse(sarifText!).version, '2.1.0', '--output wrote the SARIF file');
  t.match(stdoutAfter!, /report written to .*r\.sarif \(sarif\)/, 'human lines to stdout when the report goes to a file');

  const rendered = JSON.parse(step.render.stdout) as Report;
  t.same(rendered.outcomes.map((o) => `${o.probe}|${o.subject ?? ''}|${o.code}`), report.outcomes.map((o) => `${o.probe}|${o.subject ?? ''}|${o.code}`), 'render of the Job’s NDJSON = the run’s report');
  t.equal(step.render.exitCode, report.exitCode);
  t.equal(step.renderBad.exitCode, 2);
  t.match(step.renderBad.stderr, /bad\.ndjson:2: not JSON/);

  const usage: [keyof typeof steps, RegExp][] = [
    ['badFormat', /--format must be one of text, json, junit, sarif/],
    ['badFlag', /unknown option --frobnicate/],
    ['badWhere', /--where must be pod or laptop/],
    ['badOnly', /unknown probe id: identity\.nope/],
    ['badCommand', /unknown command "frobnicate"/],
    ['badConfig', /platformAccountId: must be a 12-digit account id/],
    ['missingConfig', /none\.yaml: no such file/],
  ];
  for (const [name, message] of usage) {
    t.equal(step[name].exitCode, 2, `${name} exits 2`);
    t.match(step[name].stderr, message, `${name}: says why`);
    t.notMatch(step[name].stderr, /\n\s+at .*:\d+:\d+/, `${name}: no stack`);
    t.equal(step[name].stdout, '', `${name}: nothing on stdout`);
  }
  t.match(step.badConfig.stderr, /targets\[0\]\.port: must be between 1 and 65535/);
  t.match(step.badConfig.stderr, /organizationId: required/);
  t.equal(step.help.exitCode, 0);
  t.match(step.help.stdout, /^Usage: gateway-doctor run/);
});
