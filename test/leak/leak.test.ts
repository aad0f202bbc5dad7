// The leak test: every world in test/worlds gets canary values planted (its secrets' SecretString/SecretBinary,
// an added binary secret the role may read, the projected token files) and the stand-in's issued credentials
// become canaries too. Each world runs once in the pod sandbox; every output the product has is produced from
// that run (the JSON report, the live text, the --debug log, each `render` format, render's error path, the
// Job's NDJSON and termination message, the TUI's frames) and searched for every canary, whole or encoded.
// OUTPUTS below is the table: an output the product does not have yet is reported as skipped with the reason.
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorld } from '../world/load.ts';
import { runInSandbox, type SandboxResult } from '../sandbox/index.ts';
import { canaryValue, credentialCanaries, findLeaks, leakForms, plantCanaries, type Canary } from './canaries.ts';

// One sandbox run per world (a few seconds each, three at a time): far beyond tap's default 30 s per file.
t.setTimeout(20 * 60_000);

const ROOT = join(import.meta.dirname, '..', '..');
const WORLDS_DIR = join(ROOT, 'test', 'worlds');
const NODE = process.execPath;
const BIN = 'packages/cli/src/bin.ts';
const CONFIG = '/etc/gateway-doctor/config.yaml';
const JOB_MAIN = 'packages/job/src/main.ts';
const TUI_COMMAND = 'packages/cli/src/commands/tui.ts';

/** The outputs searched, one row each. */
const OUTPUTS: string[] = [
  'Job NDJSON (stdout)',
  'Job termination message',
  'Job --debug log and error messages (stderr)',
  'run --format json --output FILE (the report file)',
  'run: live plain text (stdout)',
  'run: --debug log and error messages (stderr)',
  'render --format text',
  'render --format json',
  'render --format junit',
  'render --format sarif',
  'render --format markdown',
  'render error message (corrupt stream)',
  'TUI frames (CI unset, in a pty)',
];

/**
 * CI time: every world gets ONE product run — the Job, whose NDJSON `render` turns into every format (the way
 * `gateway-doctor cluster` does). These worlds also get the CLI's own `run --debug` and the TUI in a pty.
 */
const DEEP_WORLDS = new Set(['healthy-cmk-secret', 'c28-cmk-role-policy-lacks-decrypt', 'c30-secret-scheduled-for-deletion', 'secrets-legacy-layout', 'demo']);

const only = process.env.LEAK_WORLDS?.split(',').filter(Boolean);
const worldFiles = readdirSync(WORLDS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .filter((f) => !only || only.some((o) => f.startsWith(o)))
  .sort();

interface WorldOutputs {
  outputs: Record<string, string>;
  skipped: Record<string, string>;
  canaries: Canary[];
  result: SandboxResult;
}

type Step = { cmd: string[]; env?: Record<string, string>; output: 'job' | 'run' | 'render' | 'tui' };

async function runWorldForLeaks(file: string): Promise<WorldOutputs> {
  const { world: loaded } = loadWorld(join(WORLDS_DIR, file));
  const { world, canaries, files } = plantCanaries(loaded);
  const hasJob = existsSync(join(ROOT, JOB_MAIN));
  const deep = DEEP_WORLDS.has(world.name);
  const withRun = deep || !hasJob; // without the Job, the CLI's run is the one run
  const withTui = deep && existsSync(join(ROOT, TUI_COMMAND));
  const corruptSecret = canaryValue('cor');
  const corruptToken = `IQoJb3JpZ2luX2Vj${canaryValue('tok').repeat(8)}`;
  canaries.push({ label: 'SecretString in a corrupt event stream', value: corruptSecret });
  canaries.push({ label: 'session token in a corrupt event stream', value: corruptToken });

  const steps: Step[] = [];
  if (hasJob) {
    steps.push({
      cmd: ['sh', '-c', `GATEWAY_DOCTOR_TERMINATION_LOG="$HOME/termination-log" exec "${NODE}" --import tsx ${JOB_MAIN} > "$HOME/job.ndjson"`],
      env: { GATEWAY_DOCTOR_CONFIG: CONFIG, GATEWAY_DOCTOR_OPTIONS: '{"output":"ndjson"}', GATEWAY_DOCTOR_DEBUG: '1' },
      output: 'job',
    });
  }
  if (withRun) {
    steps.push({
      cmd: ['sh', '-c', `exec "${NODE}" --import tsx ${BIN} run --config ${CONFIG} --format json --output "$HOME/report.json" --debug`],
      output: 'run',
    });
  }
  steps.push({
    cmd: [
      'sh',
      '-c',
      `exec "${NODE}" --import tsx test/leak/render-all.ts ${withRun ? '"$HOME/report.json"' : "''"} ${hasJob ? '"$HOME/job.ndjson"' : "''"} ${corruptSecret} ${corruptToken}`,
    ],
    output: 'render',
  });
  if (withTui) {
    steps.push({
      // wait for the run, then open and close each outcome's detail pane (evidence, remedy) before quitting
      cmd: [
        'sh',
        '-c',
        `(sleep 8; for i in $(seq 1 24); do printf '\\r'; sleep 0.25; printf '\\rj'; sleep 0.1; done; printf q; sleep 2) | ` +
          `timeout 50 script -qfec 'stty cols 160 rows 50; exec "${NODE}" --import tsx ${BIN} --config ${CONFIG}' /dev/null`,
      ],
      env: { TERM: 'xterm-256color' },
      output: 'tui',
    });
  }
  const result = await runInSandbox({ world, files, steps: steps.map(({ cmd, env }) => ({ cmd, env })), timeoutMs: 150_000 });
  canaries.push(...credentialCanaries(result.issued ?? [], result.harnessCredentials));

  const outputs: Record<string, string> = {};
  const skipped: Record<string, string> = {};
  steps.forEach((step, i) => {
    const r = result.steps[i];
    if (!r) {
      skipped[step.output] = `step ${i} (${step.output}) did not run`;
      return;
    }
    if (step.output === 'job') outputs['Job --debug log and error messages (stderr)'] = r.stderr;
    if (step.output === 'run') {
      outputs['run: live plain text (stdout)'] = r.stdout;
      outputs['run: --debug log and error messages (stderr)'] = r.stderr;
    }
    if (step.output === 'tui') outputs['TUI frames (CI unset, in a pty)'] = r.stdout + r.stderr;
    if (step.output === 'render') {
      try {
        const parsed = JSON.parse(r.stdout);
        Object.assign(outputs, parsed.outputs);
        Object.assign(skipped, parsed.skipped);
      } catch {
        skipped.render = `render-all printed no JSON (exit ${r.exitCode}): ${r.stderr.slice(-500)}`;
      }
      // its stderr holds render's error messages too
      outputs['render error message (corrupt stream)'] = (outputs['render error message (corrupt stream)'] ?? '') + r.stderr;
    }
  });

  const deepOnly = `checked on ${[...DEEP_WORLDS].join(', ')} (elsewhere the one product run per world is the Job's)`;
  for (const name of OUTPUTS) {
    if (outputs[name] !== undefined || skipped[name] !== undefined) continue;
    if (name.startsWith('Job') && !hasJob) skipped[name] = `${JOB_MAIN} does not exist yet`;
    else if (name.startsWith('TUI') && !existsSync(join(ROOT, TUI_COMMAND))) skipped[name] = `${TUI_COMMAND} does not exist yet`;
    else if ((name.startsWith('TUI') || name.startsWith('run')) && !deep) skipped[name] = deepOnly;
    else skipped[name] = 'the run produced no such output';
  }
  return { outputs, skipped, canaries, result };
}

t.test('leakForms finds a value however it is encoded', async (t) => {
  const c: Canary = { label: 'test', value: canaryValue('tst') };
  const inBlob = (prefix: string) => Buffer.from(`${prefix}${c.value}tail`).toString('base64');
  for (const prefix of ['', 'a', 'ab', 'abc']) t.same(findLeaks(`x ${inBlob(prefix)} y`, [c]).length, 1, `base64 at offset ${prefix.length}`);
  t.same(findLeaks(Buffer.from(c.value).toString('hex'), [c]).length, 1, 'hex');
  t.same(findLeaks(`\x1b[31m${c.value.slice(0, 10)}\x1b[0m${c.value.slice(10)}`, [c]).length, 1, 'split by a colour code');
  t.same(findLeaks(encodeURIComponent(`{"k":"${c.value}"}`), [c]).length, 1, 'inside url-encoded JSON');
  t.same(findLeaks('nothing here [REDACTED]', [c]), [], 'absent');
  const weird: Canary = { label: 'w', value: 'a+b/c d"e\\f=ghij' };
  t.ok(leakForms(weird.value).some((f) => f.form === 'url-encoded') && leakForms(weird.value).some((f) => f.form === 'json-escaped'));
  t.same(findLeaks(JSON.stringify({ v: weird.value }), [weird]).length, 1, 'json-escaped');
});

t.test('no canary reaches any output', async (t) => {
  t.ok(worldFiles.length > 0, 'there are worlds to run');
  const results = new Map<string, WorldOutputs | Error>();
  const queue = [...worldFiles];
  const parallel = Number(process.env.LEAK_PARALLEL ?? 3);
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        try {
          results.set(f, await runWorldForLeaks(f));
        } catch (e) {
          results.set(f, e as Error);
        }
      }
    }),
  );
  let secretsRead = 0;
  for (const file of worldFiles) {
    const r = results.get(file)!;
    await t.test(file, async (t) => {
      if (r instanceof Error) {
        t.fail(`the world did not run: ${r.message.slice(0, 500)}`);
        return;
      }
      t.ok(r.result.steps.length > 0 && r.result.steps[0].exitCode !== undefined, 'the product ran');
      // Not vacuous: the values went through the product (GetSecretValue answered) in the worlds where reads work.
      secretsRead += (r.result.requests ?? []).filter((q: any) => q.operation === 'GetSecretValue' && q.decision === 'allow').length;
      for (const name of OUTPUTS) {
        const text = r.outputs[name];
        if (text === undefined) {
          t.pass(name, { skip: r.skipped[name] ?? 'not produced' });
          continue;
        }
        const leaks = findLeaks(text, r.canaries);
        t.same(
          leaks.map((l) => `${l.label} (${l.form})`),
          [],
          `${name}: no canary (${text.length} chars searched)`,
        );
      }
      for (const [name, reason] of Object.entries(r.skipped)) if (!OUTPUTS.includes(name)) t.fail(`${name}: ${reason}`);
    });
  }
  t.ok(secretsRead >= Math.min(worldFiles.length, 5), `planted secrets were actually read (${secretsRead} GetSecretValue calls allowed)`);
});
