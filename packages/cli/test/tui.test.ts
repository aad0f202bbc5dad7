// Component tests of the TUI (ink-testing-library over ink 6.8 + react 19) with scripted event sources:
// running, failed with details open, filtered, re-run, save, quit/exit code, and the no-keys live view.
import t from 'tap';
import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { Report } from '@gateway-doctor/core/types.ts';
import { done, fullRun, out, outcome, outcomes, reportOf, ScriptedSource, SELF_ASSUME_FIX, start } from './tui-fixtures.ts';

// ink decides "in CI" once, when imported: the UI under test is the interactive one.
delete process.env.CI;
for (const name of Object.keys(process.env)) if (name.startsWith('CI_') || name === 'CONTINUOUS_INTEGRATION') delete process.env[name];

const React = await import('react');
const ink = await import('ink');
const { render } = await import('ink-testing-library');
const { App } = await import('../src/tui/App.tsx');
const { makeTheme } = await import('../src/tui/theme.ts');

const require = createRequire(import.meta.url);
const KEYS = { enter: '\r', down: '\u001B[B', up: '\u001B[A' };

/** Polls the last frame until `predicate` holds (events are async); fails with the frame after many tries. */
async function until(frame: () => string | undefined, predicate: (f: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const f = frame() ?? '';
    if (predicate(f)) return f;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`frame never showed ${what}:\n${frame()}`);
}

function mount(source: ScriptedSource, extra: Record<string, unknown> = {}) {
  const saved: Report[] = [];
  let exited: (code: number) => void;
  const exitCode = new Promise<number>((resolve) => (exited = resolve));
  const app = render(
    React.createElement(App, {
      source,
      theme: makeTheme(false),
      size: { columns: 110, rows: 40 },
      saveReport: async (report: Report) => {
        saved.push(report);
        return ['/tmp/x/gateway-doctor-1.json', '/tmp/x/gateway-doctor-1.md'];
      },
      onExit: (code: number) => exited(code),
      ...extra,
    }),
  );
  return { app, saved, exitCode, frame: () => app.lastFrame() };
}

t.test('renders with ink 6.8 and react 19, the same instances the UI imports', async (t) => {
  const inkFromLibrary = realpathSync(createRequire(require.resolve('ink-testing-library')).resolve('ink'));
  const inkOurs = realpathSync(require.resolve('ink'));
  t.equal(inkFromLibrary, inkOurs, 'ink-testing-library renders with our ink');
  t.equal(require(join(dirname(dirname(inkOurs)), 'package.json')).version, '6.8.0');
  t.equal(React.version, '19.3.1');
});

t.test('running: spinners, area headings, counts of running tasks', async (t) => {
  const source = new ScriptedSource();
  const { app, frame } = mount(source);
  source.push(start('identity.env'), start('policy.trust'), out(outcomes[0]));
  const f = await until(frame, (f) => f.includes('1 passed'), 'the first outcome');
  t.match(f, /identity\n.*\[✓\] identity\.env\s+OK/);
  t.match(f, /policy\n.*\[\S\] policy\.trust\s+running…\s+\d+(ms|\.\ds)\n/, 'policy.trust is still running, with its elapsed time');
  t.match(f, /1 running, 0 queued/);
  t.match(f, /q quit/, 'the keys are shown');
  app.unmount();
});

t.test('failed run: first failure selected, details show the remedy command on a line of its own', async (t) => {
  const source = new ScriptedSource();
  const { app, frame, saved } = mount(source);
  source.push(...fullRun(outcomes));
  let f = await until(frame, (f) => f.includes('done'), 'the end of the run');
  t.match(f, /› \[✗\] identity\.self-assume\s+SELF_ASSUME_DENIED/, 'the first failure is selected');
  t.match(f, /4 passed, 1 warning, 2 failed, 0 skipped, 1 error/);
  t.match(f, /\[☠\] network\.tcp warehouse\s+PROBE_TIMEOUT/, 'an error has its own box');
  app.stdin.write(KEYS.enter);
  f = await until(frame, (f) => f.includes('── details'), 'the detail pane');
  const lines = f.split('\n');
  t.ok(lines.includes(SELF_ASSUME_FIX), 'the command is a whole line, with nothing else on it');
  t.match(f, /Causes\n• TRUST_SELF_MISSING/);
  t.match(f, /requestId: req-1234/);
  t.match(f, /Add the self statement/);
  t.match(f, /"AWS": "arn:aws:iam::111122223333:role\/ai-gateway"/, 'the policy JSON is shown');
  app.stdin.write(' ');
  f = await until(frame, (f) => f.includes('Docs: docs/probes/identity.self-assume.md'), 'the doc link after scrolling');
  app.stdin.write(KEYS.enter);
  f = await until(frame, (f) => !f.includes('── details'), 'the pane closed');
  app.stdin.write('j');
  f = await until(frame, (f) => /› \[✗\] policy\.trust/.test(f), 'the selection moved down');
  app.stdin.write('s');
  f = await until(frame, (f) => f.includes('Saved'), 'the save notice');
  t.match(f, /Saved \/tmp\/x\/gateway-doctor-1\.json and \/tmp\/x\/gateway-doctor-1\.md/);
  t.equal(saved.length, 1);
  t.equal(saved[0].exitCode, 3);
  app.unmount();
});

t.test('keys typed faster than ink reads them arrive as one string: each is a key press', async (t) => {
  const source = new ScriptedSource();
  const { app, frame } = mount(source);
  source.push(...fullRun(outcomes));
  await until(frame, (f) => f.includes('done'), 'the end of the run');
  app.stdin.write('jj\r');
  const f = await until(frame, (f) => f.includes('── details'), 'the details of the row two down');
  t.match(f, /› \[!\] policy\.permissions/, 'moved twice');
  t.match(f, /policy\.permissions · PERMISSION_SELF_ASSUME_MISSING · warn/, 'and opened it');
  app.unmount();
});

t.test('rows follow the report\'s order at the end, whatever order the subjects finished in', async (t) => {
  const source = new ScriptedSource();
  const { app, frame } = mount(source);
  const sts = outcome('network.dns', 'pass', 'OK', { subject: 'sts' });
  const secrets = outcome('network.dns', 'pass', 'OK', { subject: 'secretsmanager' });
  source.push(start('network.dns', 'secretsmanager'), out(secrets), start('network.dns', 'sts'), out(sts));
  let f = await until(frame, (f) => f.includes('2 passed'), 'both outcomes');
  t.ok(f.indexOf('secretsmanager') < f.indexOf('dns sts'), 'arrival order while running');
  source.push(done(reportOf([sts, secrets], 0)));
  f = await until(frame, (f) => f.includes('done'), 'the end');
  t.ok(f.indexOf('dns sts') < f.indexOf('secretsmanager'), 'the report\'s order after');
  app.unmount();
});

t.test('f shows failures and errors only, and says how many are hidden', async (t) => {
  const source = new ScriptedSource();
  const { app, frame } = mount(source);
  source.push(...fullRun(outcomes));
  await until(frame, (f) => f.includes('done'), 'the end of the run');
  app.stdin.write('f');
  const f = await until(frame, (f) => f.includes('failures only'), 'the filter');
  t.notMatch(f, /identity\.env|policy\.permissions|network\.dns/, 'passes and warnings are hidden');
  t.match(f, /identity\.self-assume/);
  t.match(f, /policy\.trust/);
  t.match(f, /network\.tcp warehouse/);
  t.match(f, /\[failures only: 5 hidden\]/);
  app.stdin.write('f');
  await until(frame, (f) => f.includes('identity.env'), 'everything again');
  app.unmount();
});

t.test('r re-runs the selected probe and what needs it, the rest standing in; results merge', async (t) => {
  const source = new ScriptedSource();
  const { app, frame, exitCode } = mount(source);
  source.push(...fullRun(outcomes));
  await until(frame, (f) => f.includes('done'), 'the end of the run');
  app.stdin.write('j'); // policy.trust
  await until(frame, (f) => /› \[✗\] policy\.trust/.test(f), 'policy.trust selected');
  app.stdin.write('r');
  let f = await until(frame, (f) => f.includes('re-running'), 'the re-run');
  t.same(source.starts[1], ['identity.self-assume', 'policy.trust'], 'policy.trust and what waits for it');
  t.same(
    source.previous[1]?.map((o) => o.probe),
    ['identity.env', 'identity.caller', 'policy.permissions', 'secrets.read', 'network.dns', 'network.tcp'],
    'the outcomes standing now stand in for the rest',
  );
  t.match(f, /\[·\] policy\.trust\s+queued/, 'the re-run probe waits, its old result no longer shown');
  t.match(f, /\[✓\] secrets\.read/, 'a probe outside the scope keeps its result');
  t.match(f, /2 queued/);
  app.stdin.write('r');
  f = await until(frame, (f) => f.includes('A run is in progress'), 'the refusal');
  const fixed = [outcome('identity.self-assume', 'pass', 'OK'), outcome('policy.trust', 'pass', 'OK')];
  source.push(start('policy.trust'));
  f = await until(frame, (f) => /policy\.trust\s+running…/.test(f), 'policy.trust running');
  source.push(...fixed.map(out), done(reportOf(fixed, 0)));
  f = await until(frame, (f) => f.includes('done'), 'the end of the re-run');
  t.match(f, /› \[✓\] policy\.trust\s+OK/, 'the selection stayed on the re-run probe');
  t.match(f, /Re-ran identity\.self-assume and 1 more: 2 passed, 0 failed/, 'the footer says what the re-run did');
  t.match(f, /\[☠\] network\.tcp warehouse/, 'untouched outcomes remain');
  t.match(f, /6 passed, 1 warning, 0 failed, 0 skipped, 1 error/, 'counts merge old and new outcomes');
  app.stdin.write('q');
  t.equal(await exitCode, 5, 'exit code of the merged results: an error is left, so undecided');
});

t.test('R re-runs everything; q exits with the run\'s exit code', async (t) => {
  const source = new ScriptedSource();
  const { app, frame, exitCode } = mount(source);
  source.push(...fullRun(outcomes));
  await until(frame, (f) => f.includes('done'), 'the end of the run');
  app.stdin.write('R');
  await until(frame, (f) => f.includes('running…'), 'the second full run');
  t.same(source.starts, [undefined, undefined]);
  const healthy = outcomes.map((o) => ({ ...o, status: 'pass' as const, code: 'OK', remedy: undefined }));
  source.push(...fullRun(healthy, 0));
  const f = await until(frame, (f) => f.includes('done'), 'its end');
  t.match(f, /8 passed, 0 warnings, 0 failed/);
  app.stdin.write('q');
  t.equal(await exitCode, 0);
});

t.test('q during a run stops it and exits undecided (5), or 3 when something already failed', async (t) => {
  for (const [events, expected] of [
    [[start('identity.env'), out(outcomes[0])], 5],
    [[start('policy.trust'), out(outcomes[3])], 3],
  ] as const) {
    const source = new ScriptedSource();
    const { app, frame, exitCode } = mount(source);
    source.push(...events);
    await until(frame, (f) => /\[[✓✗]\]/.test(f), 'an outcome');
    app.stdin.write('q');
    t.equal(await exitCode, expected);
  }
});

t.test('a run that cannot start says why and exits 1 (internal error)', async (t) => {
  const source = new ScriptedSource();
  source.start = async function* () {
    throw new Error('invalid probe registry: x.y needs unknown probe z.w');
  };
  const { app, frame, exitCode } = mount(source);
  await until(frame, (f) => f.includes('The run stopped: invalid probe registry'), 'the reason');
  app.stdin.write('q');
  t.equal(await exitCode, 1);
});

t.test('s before the run ends says there is nothing to save yet', async (t) => {
  const source = new ScriptedSource();
  const { app, frame, saved } = mount(source);
  source.push(start('identity.env'));
  await until(frame, (f) => f.includes('1 running'), 'a running task');
  app.stdin.write('s');
  await until(frame, (f) => f.includes('nothing to save yet'), 'the notice');
  t.equal(saved.length, 0);
  app.unmount();
});

t.test('a small terminal: the list is windowed around the selection and the frame stays shorter than it', async (t) => {
  const source = new ScriptedSource();
  const many = Array.from({ length: 30 }, (_, i) =>
    outcome('network.tcp', i === 25 ? 'fail' : 'pass', i === 25 ? 'TCP_TIMEOUT' : 'OK', {
      subject: `target-${i}`,
      summary: `target-${i}: 10.0.8.12:5439 did not answer within 3000 ms (silently dropped: a security group, NACL or route)`,
      durationMs: 3000,
    }),
  );
  const { app, frame } = mount(source, { size: { columns: 80, rows: 12 } });
  source.push(...fullRun(many));
  const f = await until(frame, (f) => f.includes('done'), 'the end');
  t.ok(f.split('\n').length < 12, `frame has ${f.split('\n').length} lines`);
  t.ok(f.split('\n').every((line) => line.length <= 80), 'no line wider than the terminal');
  t.match(f, /› \[✗\] network\.tcp target-25\s+TCP_TIMEOUT  target-25: 10\.0\.8\.12:5439 did not…\s+3\.0s\n/, 'one line: code, summary cut short, duration');
  t.match(f, /› \[✗\] network\.tcp target-25/, 'the failure far down is selected and in view');
  t.notMatch(f, /target-0 /, 'the top scrolled away');
  app.unmount();
});

class Out extends EventEmitter {
  columns = 100;
  rows = 30;
  isTTY = false;
  writes: string[] = [];
  write = (s: string) => {
    this.writes.push(s);
    return true;
  };
}
class In extends EventEmitter {
  isTTY = false;
  setEncoding() {}
  setRawMode() {
    throw new Error('raw mode must not be requested without a TTY');
  }
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read() {
    return null;
  }
}

t.test('runTui over events that exist already (a Job\'s stream): renders them, cannot re-run, exits with the code', async (t) => {
  const { runTui, eventSource } = await import('../src/tui/index.ts');
  async function* events() {
    yield* fullRun(outcomes);
  }
  const stdout = new Out();
  const code = await runTui({ source: eventSource(events()), stdout: stdout as unknown as NodeJS.WriteStream, stdin: new In() as unknown as NodeJS.ReadStream });
  t.equal(code, 3);
  t.match(stdout.writes.join(''), /\[✗\] identity\.self-assume SELF_ASSUME_DENIED/);
});

t.test('without raw mode (stdin not a TTY): no keys, finished outcomes printed once via Static, exits at the end', async (t) => {
  const stdout = new Out();
  const source = new ScriptedSource();
  const instance = ink.render(React.createElement(App, { source, theme: makeTheme(false) }), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: new In() as unknown as NodeJS.ReadStream,
    debug: true,
    patchConsole: false,
  });
  source.push(...fullRun(outcomes));
  const code = await instance.waitUntilExit();
  t.equal(code, 3, 'the run\'s exit code');
  const all = stdout.writes.join('');
  t.notMatch(all, /q quit/, 'no key help where keys cannot work');
  t.equal(all.split('SELF_ASSUME_DENIED The role may not assume itself').length - 1 >= 1, true, 'the failure is printed');
  t.match(all, /\[✗\] policy\.trust TRUST_SELF_MISSING/);
});
