// The Job's entrypoint inside the pod sandbox: NDJSON events that match the JSON report of the same world, the
// text report for `kubectl logs`, the termination message (compact, < 4096 bytes, redirectable), exit codes,
// a bad mounted config (exit 2, problems named), and the esbuild bundle starting with SDK clients left as chunks.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInSandbox, defaultProductCmd, REPO_ROOT, CONFIG_PATH } from '../../../test/sandbox/index.ts';
import type { Outcome, Report, RunEvent } from '@gateway-doctor/core/types.ts';
import { compactTermination, terminationFromReport, TERMINATION_LIMIT } from '../src/main.ts';

const JOB = [process.execPath, '--import', 'tsx', 'packages/job/src/main.ts'];
const brief = (o: Outcome) => `${o.probe}|${o.subject ?? ''}|${o.status}|${o.code}`;

function parseNdjson(text: string): RunEvent[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RunEvent);
}

const worlds = ['healthy-basic', 'c14-self-merged-with-platform', 'c01-pod-before-association'].filter((w) => existsSync(join(REPO_ROOT, 'test/worlds', `${w}.yaml`)));

t.test('ndjson: events only, matching the JSON report of the same world', { jobs: 2 } as object, async (t) => {
  for (const name of worlds) {
    t.test(name, async (t) => {
      const result = await runInSandbox({
        world: join(REPO_ROOT, 'test/worlds', `${name}.yaml`),
        // Two independent runs are compared: a roomy probe deadline keeps a loaded machine from turning one
        // probe of one run into PROBE_TIMEOUT (what is compared is the Job's output, not the machine's speed).
        steps: [
          { cmd: JOB, env: { GATEWAY_DOCTOR_OUTPUT: 'ndjson', GATEWAY_DOCTOR_PROBE_TIMEOUT_MS: '30000' } },
          { cmd: defaultProductCmd(), env: { GATEWAY_DOCTOR_PROBE_TIMEOUT_MS: '30000' } },
        ],
      });
      const [job, run] = result.steps;
      t.equal(job!.timedOut, false);
      const events = parseNdjson(job!.stdout);
      t.ok(events.length > 1, 'events written');
      t.ok(events.every((e) => e.schemaVersion === 1 && ['probe-start', 'outcome', 'done'].includes(e.type)), 'nothing but versioned events on stdout');
      const done = events.at(-1)!;
      t.equal(done.type, 'done', 'done is last');
      const report = (done as { report: Report }).report;
      const streamed = events.flatMap((e) => (e.type === 'outcome' ? [brief(e.outcome)] : []));
      t.same([...streamed].sort(), report.outcomes.map(brief).sort(), 'the outcomes streamed are the report');
      t.equal(job!.exitCode, report.exitCode, 'exit code is the report’s');
      const json = JSON.parse(run!.stdout) as Report;
      t.same(report.outcomes.map((o) => `${o.probe}|${o.subject ?? ''}|${o.code}`), json.outcomes.map((o) => `${o.probe}|${o.subject ?? ''}|${o.code}`), 'same outcomes, same order as `run --format json`');
      t.equal(report.exitCode, json.exitCode);
      const termination = JSON.parse(result.terminationLog);
      t.ok(Buffer.byteLength(result.terminationLog) < TERMINATION_LIMIT);
      t.equal(termination.schemaVersion, 1);
      // The last step (run) does not write the termination log; the Job's message is what is there.
      t.equal(termination.exitCode, report.exitCode);
      t.same(termination.summary, report.summary);
      const failing = report.outcomes.filter((o) => o.status === 'fail').map((o) => o.code);
      for (const code of failing) t.ok(termination.failing.some((f: string) => f.endsWith(`:${code}`)), `termination names ${code}`);
    });
  }
});

t.test('text for kubectl logs, the termination log redirected, and the bundle', async (t) => {
  const build = spawnSync(process.execPath, ['packages/job/build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  t.equal(build.status, 0, `bundle builds: ${build.stderr}`);
  const chunks = readdirSync(join(REPO_ROOT, 'packages/job/dist/chunks'));
  t.ok(chunks.length > 5, 'SDK clients split into chunks');
  const main = readFileSync(join(REPO_ROOT, 'packages/job/dist/main.mjs'), 'utf8');
  t.notMatch(main, /class STSClient\b/, 'no SDK client in the entry chunk');
  const world = join(REPO_ROOT, 'test/worlds', `${worlds.includes('c14-self-merged-with-platform') ? 'c14-self-merged-with-platform' : worlds[0]}.yaml`);
  const result = await runInSandbox({
    world,
    steps: [
      ['sh', '-c', `GATEWAY_DOCTOR_TERMINATION_LOG="$HOME/termination" "$0" "$@"; code=$?; printf '\\n--termination--\\n' >&2; cat "$HOME/termination" >&2; exit $code`, ...JOB],
      [process.execPath, 'packages/job/dist/main.mjs'],
      { cmd: JOB, env: { GATEWAY_DOCTOR_CONFIG: '/etc/gateway-doctor/bad.yaml' } },
    ],
    files: { '/etc/gateway-doctor/bad.yaml': 'roleArn: not-an-arn\nregion: us-east-1\nbogus: 1\n' },
  });
  const [text, bundled, bad] = result.steps;
  t.match(text!.stdout, /\d+ passed, \d+ warnings?, \d+ failed, \d+ skipped, \d+ errors?\n$/, 'text report ends with the count line');
  t.match(text!.stdout, /\[✓\] identity\.caller/);
  const redirected = JSON.parse(text!.stderr.split('--termination--\n')[1]!);
  t.equal(redirected.exitCode, text!.exitCode, 'redirected termination log written');
  t.equal(bundled!.exitCode, text!.exitCode, 'the bundle concludes the same');
  t.equal(bundled!.stdout.split('\n').filter((l) => /^\[/.test(l)).length, text!.stdout.split('\n').filter((l) => /^\[/.test(l)).length, 'same outcomes from the bundle');
  t.equal(bad!.exitCode, 2, 'bad config exits 2');
  t.match(bad!.stderr, /roleArn: must be an IAM role ARN/);
  t.match(bad!.stderr, /bogus: unknown field/);
  t.notMatch(bad!.stderr, /\n\s+at /, 'no stack');
  t.equal(bad!.stdout, '', 'nothing on stdout');
  const termination = JSON.parse(result.terminationLog);
  t.equal(termination.exitCode, 2);
  t.ok(termination.problems.some((p: string) => p.startsWith('roleArn:')));
  void CONFIG_PATH;
});

t.test('termination summary stays under 4096 bytes, truncating safely', async (t) => {
  const outcomes: Outcome[] = Array.from({ length: 400 }, (_, i) => ({ probe: 'secrets.read', subject: `arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/secret-number-${i}-AbCdEf`, status: 'fail', code: 'SECRET_ACCESS_DENIED', summary: 'x', evidence: {}, durationMs: 1 }));
  const report = { schemaVersion: 1, exitCode: 3, summary: { pass: 0, warn: 0, fail: 400, skip: 0, error: 0 }, outcomes, durationMs: 5 } as unknown as Report;
  const text = compactTermination(terminationFromReport(report));
  t.ok(Buffer.byteLength(text) <= TERMINATION_LIMIT);
  const parsed = JSON.parse(text);
  t.equal(parsed.truncated, true);
  t.equal(parsed.exitCode, 3);
  t.ok(parsed.failing.length > 10 && parsed.failing.length < 400);
  const small = JSON.parse(compactTermination(terminationFromReport({ ...report, outcomes: outcomes.slice(0, 2) })));
  t.equal(small.truncated, undefined);
  t.equal(small.failing.length, 2);
  const huge = JSON.parse(compactTermination({ schemaVersion: 1, exitCode: 1, error: 'e'.repeat(10_000) }));
  t.ok(huge.error.length <= 512);
});
