// `gateway-doctor cluster` against the Kubernetes API stub: the happy path (the stub's pod runs the real Job
// entrypoint inside the pod sandbox, on a world), each failure that stops a Job from reporting, Ctrl-C, --keep
// and a fleet of contexts. The cluster command itself makes no AWS call: it only talks to the stub on loopback.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import YAML from 'yaml';
import { startK8sStub, type StubOptions, type K8sStub } from '../k8s-stub/server.ts';
import { runInSandbox, REPO_ROOT, CONFIG_PATH } from '../sandbox/index.ts';
import { loadWorld } from '../world/load.ts';

const WORLD = join(REPO_ROOT, 'test/worlds/demo.yaml');
const { world } = loadWorld(WORLD);
const dir = mkdtempSync(join(tmpdir(), 'gd-cluster-'));
const configFile = join(dir, 'gateway.yaml');
writeFileSync(configFile, YAML.stringify({ ...world.gateway, region: world.region }));

const terminationLogs: string[] = [];

/** The stub's pod: the Job entrypoint in the pod sandbox with the ConfigMap's config mounted. */
const runPodInSandbox: StubOptions['runPod'] = (files) => {
  const stdout = new PassThrough();
  const exit = runInSandbox({
    world,
    cmd: [process.execPath, '--import', 'tsx', 'packages/job/src/main.ts'],
    files: { [CONFIG_PATH]: files['config.yaml'] ?? '' },
  }).then((r) => {
    // The Job's termination message, written inside the sandbox to its own /dev/termination-log.
    terminationLogs.push(r.terminationLog);
    stdout.end(r.stdout);
    return { exitCode: r.exitCode };
  });
  return { stdout, exit };
};

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cluster(stub: K8sStub, args: string[], opts: { contexts?: string[]; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<CliRun> {
  const kc = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(kc, stub.kubeconfig(opts.contexts ?? ['stub'], 'xpander'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/bin.ts', 'cluster', '--kubeconfig', kc, '--config', configFile, '--service-account', 'ai-gateway', '--poll-ms', '100', ...args], {
      cwd: REPO_ROOT,
      // No AWS anywhere near: the command must not need it.
      env: { PATH: process.env.PATH ?? '', HOME: dir, CI: 'true', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => {
      stderr += c;
      opts.onStderr?.(stderr, child);
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const left = (stub: K8sStub) => ({ jobs: stub.store.jobs.size, configmaps: stub.store.configmaps.size });

t.test('happy path: live results from the pod, the same conclusions as a local run, and clean-up', async (t) => {
  let job: any;
  let files: Record<string, string> = {};
  const stub = await startK8sStub({
    behaviour: 'run',
    runPod: (f, j) => {
      job = j;
      files = f;
      return runPodInSandbox!(f, j);
    },
  });
  t.teardown(() => stub.close());
  const local = await runInSandbox({ world });
  const localReport = JSON.parse(local.stdout);
  const run = await cluster(stub, ['--format', 'json']);
  const report = JSON.parse(run.stdout);
  t.equal(run.code, localReport.exitCode, 'exit code is the run\'s');
  t.same(
    report.outcomes.map((o: any) => [o.probe, o.subject, o.status, o.code]),
    localReport.outcomes.map((o: any) => [o.probe, o.subject, o.status, o.code]),
    'the pod concluded what a run in the same sandbox concludes',
  );
  t.match(run.stderr, /created Job xpander\/gateway-doctor-/, 'says what it created');
  t.match(run.stderr, /identity\.self-assume/, 'live lines stream to stderr while JSON goes to stdout');
  t.same(left(stub), { jobs: 0, configmaps: 0 }, 'Job and ConfigMap deleted');
  const created = stub.requests.filter((r) => r.verb === 'create').map((r) => r.resource);
  t.same(created, ['configmaps', 'jobs']);
  t.equal(job.metadata.namespace, 'xpander', 'the Job runs in the gateway namespace');
  t.equal(job.spec.template.spec.serviceAccountName, 'ai-gateway', 'as the gateway ServiceAccount');
  t.equal(YAML.parse(files['config.yaml']!).options.output, 'ndjson', 'and streams NDJSON');
  const summary = JSON.parse(terminationLogs.at(-1) ?? '{}');
  t.equal(summary.exitCode, localReport.exitCode, 'the pod left its termination message');
});

t.test('--keep leaves the Job and ConfigMap for inspection, and says how to remove them', async (t) => {
  const stub = await startK8sStub({ behaviour: 'image-pull-error' });
  t.teardown(() => stub.close());
  const run = await cluster(stub, ['--keep']);
  t.equal(run.code, 5);
  t.match(run.stderr, /kept Job xpander\/gateway-doctor-\w+ \(--keep\): kubectl -n xpander delete job,configmap gateway-doctor-/);
  t.same(left(stub), { jobs: 1, configmaps: 1 });
});

for (const [label, opts, args, pattern] of [
  ['RBAC forbids creating the Job', { forbid: ['create jobs'] }, [], /RBAC forbids create Job[\s\S]*cannot create resource "jobs"/],
  ['the image cannot be pulled', { behaviour: 'image-pull-error' }, [], /image cannot be pulled \((ErrImagePull|ImagePullBackOff)\)/],
  ['the pod cannot be scheduled', { behaviour: 'unschedulable' }, ['--unschedulable-grace', '0'], /cannot be scheduled: 0\/3 nodes are available/],
  ['the Job exceeds its deadline', { behaviour: 'deadline-exceeded', deadlineMs: 300 }, ['--timeout', '30'], /exceeded its deadline/],
] as const) {
  t.test(`${label}: a clear early error, exit 5, and clean-up`, async (t) => {
    const stub = await startK8sStub(opts as StubOptions);
    t.teardown(() => stub.close());
    const run = await cluster(stub, [...args]);
    t.equal(run.code, 5, 'undecided: the probes could not report');
    t.match(run.stderr, pattern);
    t.match(run.stderr, /→ /, 'says what to do');
    t.notMatch(run.stderr, /\n\s+at .*\.ts:\d+/, 'no stack trace');
    t.same(left(stub), { jobs: 0, configmaps: 0 }, 'nothing left behind');
  });
}

t.test('Ctrl-C removes the Job and ConfigMap', async (t) => {
  const stub = await startK8sStub({ behaviour: 'deadline-exceeded', deadlineMs: 60_000 });
  t.teardown(() => stub.close());
  let sent = false;
  const run = await cluster(stub, [], {
    onStderr: (text, child) => {
      if (!sent && /is running/.test(text)) {
        sent = true;
        child.kill('SIGINT');
      }
    },
  });
  t.ok(sent, 'the pod was running when interrupted');
  t.equal(run.code, 130);
  t.match(run.stderr, /interrupted/);
  t.same(left(stub), { jobs: 0, configmaps: 0 }, 'cleaned up after Ctrl-C');
});

t.test('a fleet: one Job and one report per context, the highest exit code', async (t) => {
  const stub = await startK8sStub({ behaviour: 'run', runPod: runPodInSandbox });
  t.teardown(() => stub.close());
  const run = await cluster(stub, ['--context', 'east', '--context', 'west'], { contexts: ['east', 'west'] });
  t.match(run.stdout, /== context east ==[\s\S]*== context west ==/);
  t.equal(stub.requests.filter((r) => r.verb === 'create' && r.resource === 'jobs').length, 2);
  t.equal(run.code, 3, 'the demo world fails in both');
  t.equal(run.stdout.match(/SELF_ASSUME_DENIED/g)?.length, 2, 'each report shows the self-assume failure');
  t.same(left(stub), { jobs: 0, configmaps: 0 });
});

t.test('usage errors exit 2 naming the problem', async (t) => {
  const stub = await startK8sStub({});
  t.teardown(() => stub.close());
  const bad = await cluster(stub, ['--timeout', 'soon']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--timeout must be seconds/);
  const unknown = await cluster(stub, ['--context', 'nope']);
  t.equal(unknown.code, 2, 'a context the kubeconfig does not have is bad input');
  t.match(unknown.stderr, /no context "nope" in the kubeconfig[\s\S]*known contexts: stub/);
  t.equal(stub.requests.filter((r) => r.verb === 'create').length, 0, 'nothing created');
});
