// Every world in test/worlds, run in the pod sandbox as the Job would, with every expectation asserted — one
// subtest per world. This is how worlds run in CI (the same as `pnpm scenario test/worlds/*.yaml`).
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runWorld, type WorldRun } from './run.ts';
import { readOnlyViolations } from '../reliability/readonly.ts';

const dir = join(import.meta.dirname, '..', 'worlds');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
// optional filter for local debugging: GATEWAY_DOCTOR_WORLDS=c14,healthy
const only = process.env.GATEWAY_DOCTOR_WORLDS?.split(',').filter(Boolean);
const selected = only ? files.filter((f) => only.some((o) => f.includes(o))) : files;

// two sandboxes at a time: the machine is shared
const runs = new Map<string, Promise<WorldRun>>();
const queue: Array<() => void> = [];
let active = 0;
function schedule(file: string): Promise<WorldRun> {
  return new Promise<WorldRun>((resolve, reject) => {
    const start = () => {
      active++;
      runWorld(join(dir, file))
        .then(resolve, reject)
        .finally(() => {
          active--;
          queue.shift()?.();
        });
    };
    if (active < 2) start();
    else queue.push(start);
  });
}
for (const f of selected) {
  const run = schedule(f);
  run.catch(() => {}); // handled in its subtest; a world's failure must not end the others
  runs.set(f, run);
}

// each world gets its run's deadline; two at a time
t.setTimeout(60_000 + Math.ceil(selected.length / 2) * 40_000);
t.ok(selected.length > 0, `${selected.length} worlds in test/worlds`);
for (const file of selected) {
  t.test(file, async (t) => {
    let run: WorldRun;
    try {
      run = await runs.get(file)!;
    } catch (e) {
      t.fail(`the run failed: ${(e as Error).message.split('\n').slice(0, 20).join(' | ')}`);
      return;
    }
    for (const w of run.warnings) t.comment(w);
    t.ok(run.checks.length > 0, 'the world has expectations');
    for (const c of run.checks) t.ok(c.ok, c.line);
    // read-only, proven on the wire (test/reliability/readonly.ts): the same run, the stand-in's log
    t.same(readOnlyViolations(run.sandbox.requests), [], 'the product sent only allowlisted operations');
  });
}
