// `pnpm scenario` as a user runs it: an invalid world exits 2 naming the field (never a pass); a wrong
// expectation is a MISMATCH line showing what the probe concluded, and exit 1; --report prints the report and
// exits with gateway-doctor's own code.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../sandbox/index.ts';

t.setTimeout(120_000);
const dir = mkdtempSync(join(tmpdir(), 'scenario-cli-'));
const scenario = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'test/scenario/cli.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 100_000 });

t.test('an invalid world exits 2 naming the field', async (t) => {
  const demo = parse(readFileSync(join(REPO_ROOT, 'test/worlds/demo.yaml'), 'utf8'));
  demo.pod = { ...demo.pod, injectd: 'irsa' };
  const file = join(dir, 'invalid.yaml');
  writeFileSync(file, stringify(demo));
  const r = scenario(file);
  t.equal(r.status, 2);
  t.match(r.stderr, /pod\.injectd: unknown field/);
  t.notMatch(r.stdout, /passed/);
});

t.test('ok and MISMATCH lines, the count, exit 1; --report json', async (t) => {
  const demo = parse(readFileSync(join(REPO_ROOT, 'test/worlds/demo.yaml'), 'utf8'));
  demo.name = 'cli-mismatch';
  demo.expect = [
    { probe: 'identity.caller', status: 'pass' },
    { probe: 'identity.self-assume', status: 'pass' }, // wrong on purpose: the demo's self-assume fails
  ];
  const file = join(dir, 'mismatch.yaml');
  writeFileSync(file, stringify(demo));
  const r = scenario(file);
  t.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines[0], 'ok cli-mismatch { probe: identity.caller, status: pass }');
  t.match(lines[1], /^MISMATCH cli-mismatch \{ probe: identity\.self-assume, status: pass \} — concluded: identity\.self-assume fail SELF_ASSUME_DENIED/);
  t.equal(lines[lines.length - 1], '1 passed, 1 failed');

  const rep = scenario('--report', 'json', file);
  const reports = rep.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.equal(reports.length, 1, 'one JSON report per line');
  t.equal(reports[0].schemaVersion, 1);
  t.equal(rep.status, reports[0].exitCode, "exits with gateway-doctor's code");
  t.equal(rep.status, 3, 'a fail: 3');
});
