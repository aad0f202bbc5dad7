// Bad input (issue 8): every config in the corpus exits 2 naming the field or position, without a stack, writing
// nothing. The CLI's run command handles them in one process inside a fresh network namespace (nothing to reach),
// and three of them also go through the real binary, to prove the process exit code.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BAD_CONFIGS } from './corpus.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const netns = spawnSync('unshare', ['-n', 'true']).status === 0;

t.test('bad configs exit 2, name the field or position, no stack, nothing written', { skip: netns ? false : 'needs unshare -n (root)' }, async (t) => {
  t.ok(BAD_CONFIGS.length >= 40, `${BAD_CONFIGS.length} bad inputs`);
  const dir = mkdtempSync(join(tmpdir(), 'gateway-doctor-badinput-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = BAD_CONFIGS.map((c, i) => {
    const sub = join(dir, String(i).padStart(2, '0'));
    spawnSync('mkdir', ['-p', sub]);
    const file = join(sub, 'config.yaml');
    writeFileSync(file, c.content);
    return file;
  });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };
  const run = spawnSync('unshare', ['-n', process.execPath, '--import', 'tsx', join(ROOT, 'test/badinput/driver.ts'), ...files], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  t.equal(run.status, 0, run.stderr);
  const results = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { file: string; exitCode?: number; stdout: string; stderr: string; threw?: string }[];
  BAD_CONFIGS.forEach((c, i) => {
    const r = results[i]!;
    t.equal(r.threw, undefined, `${c.name}: no exception`);
    t.equal(r.exitCode, 2, `${c.name}: exit 2`);
    t.match(r.stderr, c.expect, `${c.name}: names it (${r.stderr.split('\n').slice(1, 3).join(' | ').slice(0, 160)})`);
    t.notMatch(r.stderr, /\n\s+at .*:\d+:\d+/, `${c.name}: no stack`);
    t.equal(r.stdout, '', `${c.name}: nothing on stdout`);
    t.notOk(existsSync(`${r.file}.report.json`), `${c.name}: no report file`);
  });

  // The real binary: the process exits 2.
  for (const i of [0, 15, 40]) {
    const p = spawnSync('unshare', ['-n', process.execPath, '--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'run', '--config', files[i]!], { cwd: ROOT, env, encoding: 'utf8' });
    t.equal(p.status, 2, `bin: ${BAD_CONFIGS[i]!.name} exits 2`);
    t.match(p.stderr, BAD_CONFIGS[i]!.expect);
    t.equal(p.stdout, '');
  }
});

t.test('newcomer: a bad --output is a usage error before any probe runs (exit 2, nothing on stdout, no stack)', { skip: netns ? false : 'needs unshare -n (root)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-doctor-badoutput-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'region: us-east-1\nroleArn: arn:aws:iam::111122223333:role/ai-gateway\nplatformAccountId: "999988887777"\norganizationId: org-7f3a9c\nclusterName: prod\n');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };
  const cases: [string, RegExp][] = [
    [join(dir, 'missing-dir', 'report.json'), /--output .*: its directory .*missing-dir does not exist/],
    [dir, /--output .*: is a directory, not a file/],
    [join(config, 'report.json'), /--output .*: .*config\.yaml is not a directory/], // ENOTDIR once crashed as exit 1
  ];
  for (const [output, message] of cases) {
    const p = spawnSync('unshare', ['-n', process.execPath, '--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'run', '--config', config, '--output', output], { cwd: ROOT, env, encoding: 'utf8' });
    t.equal(p.status, 2, `exit 2 for --output ${output}: ${p.stderr}`);
    t.match(p.stderr, message);
    t.notMatch(p.stderr, /internal error|\n\s+at .*:\d+:\d+/, 'no stack');
    t.equal(p.stdout, '', 'no live lines: no probe ran');
  }
});

t.test('newcomer: on a laptop the pod-only skips name `gateway-doctor cluster` with the same --config (pasteable)', { skip: netns ? false : 'needs unshare -n (root)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-doctor-laptop-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, "team's gateway.yaml");
  writeFileSync(config, 'region: us-east-1\nroleArn: arn:aws:iam::111122223333:role/ai-gateway\nplatformAccountId: "999988887777"\norganizationId: org-7f3a9c\nclusterName: prod\n');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };
  // identity.env is pod-only: on a laptop it is skipped without any AWS call
  const p = spawnSync('unshare', ['-n', process.execPath, '--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'run', '--config', config, '--where', 'laptop', '--only', 'identity.env', '--format', 'json'], { cwd: ROOT, env, encoding: 'utf8' });
  t.equal(p.status, 0, p.stderr);
  const outcome = (JSON.parse(p.stdout) as { outcomes: { code: string; remedy?: { commands?: string[] } }[] }).outcomes[0]!;
  t.equal(outcome.code, 'NOT_APPLICABLE');
  const command = outcome.remedy?.commands?.[0] ?? '';
  t.equal(command, `gateway-doctor cluster --config '${config.replace(/'/g, `'\\''`)}'`);
  // the quoting survives a shell: it names the file that exists
  const echoed = spawnSync('bash', ['-c', `set -- ${command}; printf %s "$4"`], { encoding: 'utf8' });
  t.equal(echoed.stdout, config);
});

t.test('newcomer: render of a stream cut short says why it is undecided; a cut mid-line names the line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-doctor-render-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const outcome = (probe: string) => JSON.stringify({ schemaVersion: 1, type: 'outcome', outcome: { probe, status: 'pass', code: 'OK', summary: `${probe} fine`, evidence: {} } });
  writeFileSync(join(dir, 'cut.ndjson'), `${outcome('identity.env')}\n${outcome('identity.agent')}\n`);
  const render = (file: string) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'render', file], { cwd: ROOT, encoding: 'utf8' });
  const cut = render(join(dir, 'cut.ndjson'));
  t.equal(cut.status, 5, 'undecided');
  t.match(cut.stderr, /cut\.ndjson has no done event: the run was cut short after 2 outcome\(s\)/);
  t.match(cut.stdout, /identity\.agent/);
  writeFileSync(join(dir, 'torn.ndjson'), `${outcome('identity.env')}\n${outcome('identity.agent').slice(0, 40)}`);
  const torn = render(join(dir, 'torn.ndjson'));
  t.equal(torn.status, 2);
  t.match(torn.stderr, /torn\.ndjson:2: not JSON/);
  t.equal(torn.stdout, '');
});

t.test('newcomer: cluster — bad flags and kubeconfig files are usage errors (exit 2) before any API call, never "internal error"', { skip: netns ? false : 'needs unshare -n (root)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-doctor-cluster-bad-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'region: us-east-1\nroleArn: arn:aws:iam::111122223333:role/ai-gateway\nplatformAccountId: "999988887777"\norganizationId: org-7f3a9c\nclusterName: prod\nnamespace: xpander\nserviceAccount: ai-gateway\n');
  writeFileSync(join(dir, 'junk'), Buffer.from([0x00, 0x01, 0xff, 0x3a, 0x0a]));
  writeFileSync(join(dir, 'broken.yaml'), 'clusters: [\n');
  writeFileSync(join(dir, 'empty-kc.yaml'), 'apiVersion: v1\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: ""\n');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NO_COLOR: '1' };
  const cluster = (args: string[], extraEnv: Record<string, string> = {}) =>
    spawnSync('unshare', ['-n', process.execPath, '--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'cluster', '--config', config, ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  const bad: [string[], Record<string, string>, RegExp][] = [
    [['--kubeconfig', join(dir, 'missing')], {}, /--kubeconfig .*missing: no such file/],
    [[], { KUBECONFIG: join(dir, 'missing') }, /KUBECONFIG .*missing: no such file/],
    [['--kubeconfig', dir], {}, /--kubeconfig .*: is not a file/],
    [['--kubeconfig', join(dir, 'junk')], {}, /--kubeconfig .*junk: is not a text file/],
    [['--kubeconfig', join(dir, 'broken.yaml')], {}, /--kubeconfig .*broken\.yaml: is not valid YAML/],
    [['--namespace', 'Bad_NS'], {}, /--namespace must be a Kubernetes namespace name/],
    [['--service-account', 'A B'], {}, /--service-account must be a Kubernetes ServiceAccount name/],
    [['--image', ''], {}, /--image must be an image reference/],
  ];
  for (const [args, extraEnv, message] of bad) {
    const p = cluster(args, extraEnv);
    t.equal(p.status, 2, `exit 2 for ${args.join(' ') || JSON.stringify(extraEnv)}: ${p.stderr.split('\n')[0]}`);
    t.match(p.stderr, message);
    t.notMatch(p.stderr, /internal error/);
  }
  // a kubeconfig with no current cluster: said in words (it was "internal error: No active cluster!", exit 1)
  const empty = cluster(['--kubeconfig', join(dir, 'empty-kc.yaml')]);
  t.not(empty.status, 1, empty.stderr);
  t.match(empty.stderr, /the kubeconfig has no current context with a cluster/);
});

t.test('newcomer: run with no config at all says no file was read; --only with no ids is a usage error', { skip: netns ? false : 'needs unshare -n (root)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-doctor-noconfig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };
  const bin = (args: string[]) => spawnSync('unshare', ['-n', process.execPath, '--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), ...args], { cwd: ROOT, env, encoding: 'utf8' });
  const none = bin(['run']);
  t.equal(none.status, 2);
  t.match(none.stderr, /roleArn: required/);
  t.match(none.stderr, /no config file was read: pass --config FILE, or set GATEWAY_DOCTOR_CONFIG/);
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'region: us-east-1\nroleArn: arn:aws:iam::111122223333:role/ai-gateway\nplatformAccountId: "999988887777"\norganizationId: org-7f3a9c\nclusterName: prod\n');
  const withFile = bin(['run', '--config', config, '--role-arn', 'nope']);
  t.equal(withFile.status, 2);
  t.notMatch(withFile.stderr, /no config file was read/, 'not said when a file was read');
  const only = bin(['run', '--config', config, '--only', '']);
  t.equal(only.status, 2, 'an empty --only does not run everything');
  t.match(only.stderr, /--only needs probe ids/);
  t.equal(only.stdout, '');
});
