// The TUI's first frame comes before any AWS SDK client is imported (DESIGN.md "Lazy"): the real binary, inside
// the pod sandbox, with a preload that notes every module resolution and reports at ink's first write to stdout.
// The same trace at exit must see the SDK clients the probes then used — proof that it can see them at all.
import t from 'tap';
import { CONFIG_PATH, runInSandbox, REPO_ROOT } from '../sandbox/index.ts';
import { resolve } from 'node:path';

// Real processes in the pod sandbox: slower than tap's 30 s default on a shared machine.
t.setTimeout(300_000);

const TRACE = './test/tui/first-frame-trace.mjs';

function traces(stderr: string): Record<string, { ms: number; sdkClients: string[] }> {
  const out: Record<string, { ms: number; sdkClients: string[] }> = {};
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('GD-TRACE ')) continue;
    const entry = JSON.parse(line.slice('GD-TRACE '.length));
    out[entry.event] = entry;
  }
  return out;
}

t.test('no @aws-sdk/client-* module is loaded when the first frame renders', { timeout: 180_000 }, async (t) => {
  const r = await runInSandbox({
    world: resolve(REPO_ROOT, 'test/worlds/c13-no-self-statement.yaml'),
    cmd: [process.execPath, '--import', 'tsx', '--import', TRACE, 'packages/cli/src/bin.ts', '--tui', '--config', CONFIG_PATH],
  });
  const trace = traces(r.stderr);
  t.ok(trace['first-frame'], `the first frame was traced (stderr: ${r.stderr.slice(0, 400)})`);
  t.same(trace['first-frame']?.sdkClients, [], 'no SDK client before the first frame');
  t.ok((trace.exit?.sdkClients ?? []).includes('sts'), 'by the end the probes had loaded the STS client (the trace sees SDK clients)');
  t.equal(r.exitCode, 3, "the run's exit code (the world has failures)");
  t.match(r.stdout, /\[✗\] identity\.self-assume SELF_ASSUME_DENIED/, 'the live view printed the failure');
});
