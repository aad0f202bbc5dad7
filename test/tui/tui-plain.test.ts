// The front-end matrix with the real binary in the pod sandbox: under a pseudo-terminal (`script`) the plain
// renderer is still chosen for CI=true, TERM=dumb and --plain; a piped stdout gets a clean plain report (no escape
// codes at all); NO_COLOR removes colour even on a terminal, FORCE_COLOR brings it into a pipe. The interactive
// case itself is driven through tmux (tui-tmux.test.ts).
import t from 'tap';
import { resolve } from 'node:path';
import { CONFIG_PATH, REPO_ROOT, runInSandbox } from '../sandbox/index.ts';

// Real processes in the pod sandbox: slower than tap's 30 s default on a shared machine.
t.setTimeout(300_000);

const BIN = [process.execPath, '--import', 'tsx', 'packages/cli/src/bin.ts', '--config', CONFIG_PATH];
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** The command under a pseudo-terminal: stdin and stdout are TTYs. */
const inPty = (env: string, extra: string[] = []) => ['/usr/bin/script', '-qec', `env ${env} ${[...BIN, ...extra].map(quote).join(' ')}`, '/dev/null'];

const ESC = '\u001b';
const COLOUR = /\u001b\[(3[0-7]|9[0-7]|38;)[0-9;]*m/;
const CURSOR = /\u001b\[\d*[ABGK]/; // ink's redraws: cursor up, column, erase line

t.test('plain where the UI must not run, clean when piped, colour as asked', { timeout: 240_000 }, async (t) => {
  const cases = [
    { name: 'terminal, CI=true', cmd: inPty('CI=true TERM=xterm-256color NO_COLOR=1') },
    { name: 'terminal, TERM=dumb', cmd: inPty('TERM=dumb') },
    { name: 'terminal, --plain, colour', cmd: inPty('TERM=xterm-256color', ['--plain']) },
    { name: 'stdout piped', cmd: BIN },
    { name: 'stdout piped, FORCE_COLOR=1', cmd: BIN, env: { FORCE_COLOR: '1' } },
  ];
  const markdownCmd = [process.execPath, '--import', 'tsx', 'packages/cli/src/bin.ts', 'run', '--config', CONFIG_PATH, '--format', 'markdown'];
  const r = await runInSandbox({
    world: resolve(REPO_ROOT, 'test/worlds/c13-no-self-statement.yaml'),
    steps: [...cases.map(({ cmd, env }) => ({ cmd, env })), { cmd: markdownCmd }],
  });
  t.equal(r.steps.length, cases.length + 1);
  const markdown = r.steps.pop()!;
  t.equal(markdown.exitCode, 3, 'markdown: the run\'s exit code');
  t.match(markdown.stdout, /^# gateway-doctor report\n/, 'markdown on stdout, nothing before it');
  t.match(markdown.stdout, /\| ✗ fail \| identity\.self-assume \|/, 'markdown: the outcome table');
  t.match(markdown.stdout, /## Failures[\s\S]*```sh\naws iam update-assume-role-policy [^\n]+\n```/, 'markdown: the remedy command in a fenced block');
  r.steps.forEach((step, i) => {
    const { name } = cases[i];
    const out = step.stdout;
    t.equal(step.exitCode, 3, `${name}: the run's exit code`);
    t.match(out, /\[✗\]\S* identity\.self-assume/, `${name}: the failure is reported with its box`);
    t.notMatch(out, /q quit/, `${name}: no key help — the plain renderer ran`);
    t.notMatch(out, CURSOR, `${name}: no cursor movement`);
    if (name.includes('NO_COLOR') || name === 'stdout piped') t.notMatch(out, COLOUR, `${name}: no colour`);
    if (name === 'stdout piped') t.notOk(out.includes(ESC), `${name}: not a single escape code`);
    if (name.endsWith('colour') || name.includes('FORCE_COLOR')) t.match(out, COLOUR, `${name}: coloured`);
  });
});
