// The TUI's pure parts: the markdown report, the front-end choice matrix (TTY / CI / TERM=dumb / --plain),
// colour rules (NO_COLOR / FORCE_COLOR), the model's re-run scope and exit codes, command wrapping, and the files
// `s` writes.
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMarkdown } from '@gateway-doctor/core/report/markdown.ts';
import { chooseFrontEnd, inCi } from '../src/tui/mode.ts';
import { colorAllowed, makeTheme } from '../src/tui/theme.ts';
import { exitCodeFor, rerunScope } from '../src/tui/model.ts';
import { wrapCommand } from '../src/tui/layout.ts';
import { parseTuiArgs } from '../src/tui/args.ts';
import { saveReportFiles } from '../src/tui/save.ts';
import { graph, outcome, outcomes, reportOf, SELF_ASSUME_FIX } from './tui-fixtures.ts';

t.test('markdown: context, a table of every outcome in run order, then failures with fenced remedies', async (t) => {
  const withPipe = [...outcomes, outcome('network.egress', 'warn', 'STS_GLOBAL_ENDPOINT', { subject: 'sts', summary: 'uses a|b global name' })];
  const md = renderMarkdown(reportOf(withPipe));
  t.match(md, /^# gateway-doctor report\n/);
  t.match(md, /\*\*4 passed, 2 warnings, 2 failed, 0 skipped, 1 error\*\* — exit code 3/);
  t.match(md, /\| Role \| `arn:aws:iam::111122223333:role\/ai-gateway` \|/);
  t.match(md, /\| Namespace\/SA \| ai\/gateway \|/);
  const rows = md.split('\n').filter((l) => /^\| [✓!✗☠-] /.test(l));
  t.equal(rows.length, withPipe.length, 'one table row per outcome');
  t.same(
    rows.map((r) => r.split(' | ')[1]),
    withPipe.map((o) => o.probe),
    'in run order',
  );
  t.match(md, /uses a\\\|b global name/, 'pipes in cells are escaped');
  const failures = md.slice(md.indexOf('## Failures'), md.indexOf('## Errors'));
  t.match(failures, /### ✗ fail — identity\.self-assume · SELF_ASSUME_DENIED/);
  t.ok(failures.includes('```sh\n' + SELF_ASSUME_FIX + '\n```'), 'the command in a fenced sh block, alone');
  t.match(failures, /```json\n\{\n  "Effect": "Allow"/, 'the policy in a fenced json block');
  t.match(failures, /\*\*Causes:\*\* `TRUST_SELF_MISSING`/);
  t.match(failures, /- `requestId`: req-1234/);
  t.match(md, /## Errors \(undecided\)\n\n### ☠ error — network\.tcp · warehouse · PROBE_TIMEOUT/);
  t.match(md, /## Warnings\n/);
  t.notMatch(md.slice(md.indexOf('## Failures')), /### ✓/, 'passes get no section');
});

t.test('markdown: a command containing backticks gets a longer fence; secrets are masked as a backstop', async (t) => {
  const token = 'IQoJb3JpZ2luX2VjE' + 'A'.repeat(120);
  const o = outcome('identity.caller', 'fail', 'WRONG_ROLE', {
    summary: `got SessionToken=${token}`,
    remedy: { text: 'run', commands: ['echo ```x```'] },
  });
  const md = renderMarkdown(reportOf([o]));
  t.ok(md.includes('````sh\necho ```x```\n````'), 'fence longer than the content');
  t.notOk(md.includes(token), 'no session token in the output');
});

t.test('front end: plain unless both ends are terminals, not CI, not TERM=dumb, not --plain', async (t) => {
  const tty = { stdinIsTTY: true, stdoutIsTTY: true };
  const cases: [string, Parameters<typeof chooseFrontEnd>[0], 'tui' | 'plain'][] = [
    ['interactive terminal', { env: { TERM: 'xterm-256color' }, ...tty }, 'tui'],
    ['stdout piped', { env: {}, stdinIsTTY: true, stdoutIsTTY: false }, 'plain'],
    ['stdin piped', { env: {}, stdinIsTTY: false, stdoutIsTTY: true }, 'plain'],
    ['CI=true', { env: { CI: 'true' }, ...tty }, 'plain'],
    ['CI_JOB_ID', { env: { CI_JOB_ID: '1' }, ...tty }, 'plain'],
    ['CI=false', { env: { CI: 'false' }, ...tty }, 'tui'],
    ['TERM=dumb', { env: { TERM: 'dumb' }, ...tty }, 'plain'],
    ['--plain', { env: {}, ...tty, plain: true }, 'plain'],
    ['--tui forces it', { env: { CI: 'true' }, stdinIsTTY: false, stdoutIsTTY: false, tui: true }, 'tui'],
    ['--plain beats --tui', { env: {}, ...tty, plain: true, tui: true }, 'plain'],
  ];
  for (const [name, input, expected] of cases) t.equal(chooseFrontEnd(input).frontEnd, expected, name);
  t.equal(inCi({ CONTINUOUS_INTEGRATION: '1' }), true);
  t.equal(inCi({ CI: '0' }), false);
});

t.test('colour: NO_COLOR wins, FORCE_COLOR forces, TERM=dumb and non-TTY turn it off', async (t) => {
  const cases: [Record<string, string>, boolean, boolean][] = [
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ TERM: 'dumb' }, true, false],
    [{ TERM: 'dumb', FORCE_COLOR: '1' }, true, true],
  ];
  for (const [env, isTTY, expected] of cases) t.equal(colorAllowed(env, isTTY), expected, `${JSON.stringify(env)} tty=${isTTY}`);
  const plain = makeTheme(false);
  t.equal(plain.statusColor('fail'), undefined, 'no colour at all without colour');
  t.same(plain.box, { pass: '[✓]', warn: '[!]', fail: '[✗]', skip: '[-]', error: '[☠]' }, 'statuses read without colour');
  t.equal(makeTheme(true).statusColor('fail'), 'red');
});

t.test('re-run scope: the probe and what needs or waits for it, transitively, in registry order', async (t) => {
  t.same(rerunScope(graph, 'network.dns'), ['network.dns', 'network.tcp']);
  t.same(rerunScope(graph, 'identity.self-assume'), ['identity.self-assume']);
  t.same(rerunScope(graph, 'identity.env'), ['identity.env', 'identity.caller', 'identity.self-assume', 'secrets.read']);
  t.same(rerunScope(graph, 'policy.permissions'), ['identity.self-assume', 'policy.permissions', 'secrets.read']);
  t.same(rerunScope([], 'x.y'), ['x.y'], 'without the registry: the probe alone');
});

t.test('exit codes as DESIGN.md: 3 fail, 5 undecided, 4 warn (0 with --warn-ok), 0', async (t) => {
  const pass = outcome('a.b', 'pass', 'OK');
  const cases: [Parameters<typeof exitCodeFor>, number][] = [
    [[[pass], false], 0],
    [[[pass, outcome('a.b', 'skip', 'NOT_APPLICABLE')], false], 0],
    [[[pass, outcome('a.b', 'skip', 'NEEDS_UNMET')], false], 5],
    [[[pass, outcome('a.b', 'warn', 'X')], false], 4],
    [[[pass, outcome('a.b', 'warn', 'X')], true], 0],
    [[[outcome('a.b', 'error', 'THROTTLED'), outcome('a.b', 'warn', 'X')], true], 5],
    [[[outcome('a.b', 'fail', 'X'), outcome('a.b', 'error', 'THROTTLED')], false], 3],
    [[[pass], false, false], 5],
  ];
  for (const [args, expected] of cases) t.equal(exitCodeFor(...args), expected, JSON.stringify(args.map((a) => (Array.isArray(a) ? a.map((o) => o.code) : a))));
});

t.test('long commands wrap at spaces outside quotes with shell continuations', async (t) => {
  const command = `aws ec2 authorize-security-group-ingress --group-id sg-0123456789abcdef0 --protocol tcp --port 5439 --source-group sg-0fedcba9876543210 --description 'gateway to redshift'`;
  const lines = wrapCommand(command, 60);
  t.ok(lines.length > 1);
  for (const line of lines) t.ok(line.length <= 60, `fits: ${line}`);
  t.ok(lines.slice(0, -1).every((l) => l.endsWith(' \\')), 'continuations');
  t.ok(lines.some((l) => l.includes("'gateway to redshift'")), 'the quoted argument is not split');
  const rejoined = lines.map((l) => l.replace(/ \\$/, '').trim()).join(' ');
  t.equal(rejoined, command, 'joining the lines gives the command back');
  t.same(wrapCommand('aws sts get-caller-identity', 60), ['aws sts get-caller-identity']);
});

t.test('arguments: UI switches, config flags for the loader, the rest kept for run', async (t) => {
  const a = parseTuiArgs(['--config', 'c.yaml', '--plain', '--role-arn=arn:aws:iam::1:role/x', '--only', 'a.b,c.d', '--warn-ok', '--save-dir', '/tmp']);
  t.equal(a.config, 'c.yaml');
  t.equal(a.plain, true);
  t.equal(a.warnOk, true);
  t.same(a.only, ['a.b', 'c.d']);
  t.same(a.flags, { 'role-arn': 'arn:aws:iam::1:role/x' });
  t.equal(a.saveDir, '/tmp');
  t.same(a.runArgv, ['--config', 'c.yaml', '--role-arn', 'arn:aws:iam::1:role/x', '--only', 'a.b,c.d', '--warn-ok'], 'UI-only switches dropped');
  t.same(parseTuiArgs(['--where', 'moon']).problems, ['--where must be pod or laptop, got "moon"']);
  t.same(parseTuiArgs(['--config']).problems, ['--config needs a value']);
  t.equal(parseTuiArgs(['--format', 'json']).wantsReport, true);
});

t.test('s writes the JSON report and the markdown side by side and says where', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gd-save-'));
  const report = reportOf(outcomes);
  const paths = await saveReportFiles(report, dir);
  t.same(paths, [join(dir, 'gateway-doctor-20261203T100000Z.json'), join(dir, 'gateway-doctor-20261203T100000Z.md')]);
  t.same(JSON.parse(readFileSync(paths[0], 'utf8')), report);
  t.equal(readFileSync(paths[1], 'utf8'), renderMarkdown(report));
});
