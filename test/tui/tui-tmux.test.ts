// The real binary in a real terminal: tmux (160x50) runs `pnpm scenario <world> --tui` — gateway-doctor inside the
// pod sandbox with the terminal handed to it, CI unset — and the test reads the screen like a newcomer would:
// the failing probe is there and selected, enter shows its remedy command on a line of its own, f filters, q exits
// with the run's code. The expected command and codes come from the same world's JSON report.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Outcome, Report } from '@gateway-doctor/core/types.ts';
import { runInSandbox, REPO_ROOT } from '../sandbox/index.ts';

// Real processes in the pod sandbox: slower than tap's 30 s default on a shared machine.
t.setTimeout(300_000);

const WORLD = resolve(REPO_ROOT, 'test/worlds/c13-no-self-statement.yaml');
const SOCKET = `gd-tui-${process.pid}`;
const SESSION = 'gd';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) t.fail('tmux is not installed (scripts/prereqs.sh installs it)');

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}
const screen = () => tmux('capture-pane', '-p', '-t', SESSION);

async function waitFor(predicate: (s: string) => boolean, what: string, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      last = screen();
    } catch {
      // the session may not be up yet
    }
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the screen never showed ${what}; it shows:\n${last}`);
}

t.test('a failing world in a real terminal', { timeout: 240_000, skip: !hasTmux }, async (t) => {
  // What the same world concludes, from its JSON report: the first failure with a command to copy.
  const json = await runInSandbox({ world: WORLD });
  const report = JSON.parse(json.stdout) as Report;
  const failing = report.outcomes.find((o): o is Outcome => o.status === 'fail' && !!o.remedy?.commands?.length);
  t.ok(failing, 'the world has a failure with a remedy command');
  if (!failing) return;
  const firstUndecided = report.outcomes.find((o) => o.status === 'fail' || o.status === 'error')!;

  const dir = mkdtempSync(join(tmpdir(), 'gd-tmux-'));
  const exitFile = join(dir, 'exit');
  const command = `cd ${JSON.stringify(REPO_ROOT)} && env -u CI -u CONTINUOUS_INTEGRATION node --import tsx test/scenario/cli.ts ${JSON.stringify(WORLD)} --tui; echo $? > ${JSON.stringify(exitFile)}`;
  tmux('new-session', '-d', '-s', SESSION, '-x', '160', '-y', '50', command);
  t.teardown(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
  });

  let s = await waitFor((s) => /gateway-doctor done/.test(s), 'the end of the run');
  t.match(s, /q quit/, 'the keys are on screen');
  t.match(s, new RegExp(`\\[✗\\] ${failing.probe.replace('.', '\\.')}\\s+${failing.code}`), `the failing probe ${failing.probe} is listed with ${failing.code}`);
  t.match(s, new RegExp(`› \\[[✗☠]\\] ${firstUndecided.probe.replace('.', '\\.')}`), 'the first failure is selected');
  t.match(s, new RegExp(`${report.summary.fail} failed`), 'the footer counts the failures');

  // Move the selection onto the failing probe (it may not be the first failure), then open the details.
  const from = report.outcomes.indexOf(firstUndecided);
  const to = report.outcomes.indexOf(failing);
  for (let i = from; i < to; i++) tmux('send-keys', '-t', SESSION, 'j');
  await waitFor((s) => new RegExp(`› \\[✗\\] ${failing.probe.replace('.', '\\.')}`).test(s), 'the failing probe selected');
  tmux('send-keys', '-t', SESSION, 'Enter');
  s = await waitFor((s) => s.includes('── details'), 'the detail pane');
  const lines = s.split('\n').map((l) => l.trimEnd());
  const commandLine = failing.remedy!.commands![0];
  // A command wider than the terminal is split with shell continuations (` \` + newline + two spaces).
  t.ok(
    commandLine.length <= 160 ? lines.includes(commandLine) : lines.join('\n').replace(/ \\\n {2}/g, ' ').includes(commandLine),
    `the remedy command is on screen on a line of its own:\n${commandLine}`,
  );
  t.match(s, new RegExp(failing.code), 'the code is in the details');

  tmux('send-keys', '-t', SESSION, 'Enter'); // close
  // r: the runner re-runs the probe (and what needs it) with the other outcomes standing in; nothing changed in
  // the world, so it fails the same way.
  tmux('send-keys', '-t', SESSION, 'r');
  s = await waitFor((s) => s.includes('Re-ran '), 'the end of the re-run');
  t.match(s, new RegExp(`Re-ran ${failing.probe.replace('.', '\\.')}`), 'the re-run names the probe');
  t.match(s, new RegExp(`› \\[✗\\] ${failing.probe.replace('.', '\\.')}\\s+${failing.code}`), 'it fails the same way, still selected');
  t.match(s, new RegExp(`${report.summary.fail} failed`), 'the counts are unchanged');
  tmux('send-keys', '-t', SESSION, 'f');
  s = await waitFor((s) => s.includes('failures only'), 'the failures-only filter');
  t.notMatch(s, /\[✓\]/, 'no passing probe under the filter');

  tmux('send-keys', '-t', SESSION, 'q');
  const deadline = Date.now() + 30_000;
  while (!existsSync(exitFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  t.equal(Number(readFileSync(exitFile, 'utf8').trim()), report.exitCode, 'the exit code is the run\'s');
});
