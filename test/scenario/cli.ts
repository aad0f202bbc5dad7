// `pnpm scenario <world.yaml>... [--report FORMAT] [--tui] [--jobs N] [--keep]` (WORLD.md "The scenario runner").
// Default: one `ok`/`MISMATCH` line per expectation, then `N passed, N failed`; exit 1 on any mismatch, 2 on an
// invalid world (naming the field). --report prints each world's report instead and exits with the highest
// code gateway-doctor gave; --tui opens the terminal UI on one world.
import { loadWorld, WorldError } from '../world/load.ts';
import type { World } from '../world/types.ts';
import { CONFIG_PATH, runInSandbox } from '../sandbox/index.ts';
import { checkWorld, parseJobEvents, JOB_RUN } from './run.ts';

const USAGE = 'usage: pnpm scenario <world.yaml>... [--report text|json|junit|sarif|markdown] [--tui] [--jobs N] [--keep]';

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>, onDone?: (i: number) => void): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
      onDone?.(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function main(argv: string[]): Promise<number> {
  const files: string[] = [];
  let format: string | undefined;
  let tui = false;
  let keep = false;
  let jobs = 2;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--report') format = argv[++i];
    else if (a.startsWith('--report=')) format = a.slice('--report='.length);
    else if (a === '--tui') tui = true;
    else if (a === '--keep') keep = true;
    else if (a === '--jobs') jobs = Math.max(1, Number(argv[++i]) || 1);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else if (a.startsWith('-')) {
      process.stderr.write(`unknown option ${a}\n${USAGE}\n`);
      return 2;
    } else files.push(a);
  }
  if (!files.length || (format !== undefined && !format)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (tui && files.length !== 1) {
    process.stderr.write('--tui opens one world\n');
    return 2;
  }

  // validate every world first: an invalid world is an error naming the field, never a pass
  const worlds: World[] = [];
  let invalid = false;
  for (const file of files) {
    try {
      const { world, warnings } = loadWorld(file);
      for (const w of warnings) process.stderr.write(`${file}: ${w}\n`);
      worlds.push(world);
    } catch (e) {
      if (!(e instanceof WorldError)) throw e;
      process.stderr.write(`${e.message}\n`);
      invalid = true;
    }
  }
  if (invalid) return 2;

  if (tui) {
    const passthrough = Object.fromEntries(
      ['TERM', 'COLORTERM', 'NO_COLOR', 'FORCE_COLOR', 'COLUMNS', 'LINES', 'LANG'].flatMap((k) => (process.env[k] !== undefined ? [[k, process.env[k]!]] : [])),
    );
    const r = await runInSandbox({ world: worlds[0], args: ['--config', CONFIG_PATH], stdio: 'inherit', env: passthrough, timeoutMs: 3_600_000, keep });
    return r.exitCode;
  }

  if (format !== undefined) {
    let highest = 0;
    const outputs: string[] = new Array(worlds.length);
    let printed = 0;
    const flush = () => {
      while (printed < worlds.length && outputs[printed] !== undefined) process.stdout.write(outputs[printed++]);
    };
    await mapLimit(
      worlds,
      jobs,
      async (world, i) => {
        const r = await runInSandbox({ world, args: ['run', '--config', CONFIG_PATH, '--format', format!], keep });
        if (r.stderr) process.stderr.write(r.stderr);
        let out = r.stdout;
        if (format === 'json') {
          try {
            out = JSON.stringify(JSON.parse(r.stdout)); // several reports: one per line
          } catch {
            // not JSON: print what it said
          }
        }
        outputs[i] = out.endsWith('\n') || out === '' ? out : `${out}\n`;
        highest = Math.max(highest, r.exitCode);
      },
      flush,
    );
    flush();
    return highest;
  }

  let passed = 0;
  let failed = 0;
  const blocks: string[][] = new Array(worlds.length);
  let printed = 0;
  const flush = () => {
    while (printed < worlds.length && blocks[printed] !== undefined) process.stdout.write(blocks[printed++].map((l) => `${l}\n`).join(''));
  };
  await mapLimit(
    worlds,
    jobs,
    async (world, i) => {
      const lines: string[] = [];
      try {
        const r = await runInSandbox({ ...JOB_RUN, world, keep });
        const report = parseJobEvents(r);
        for (const c of checkWorld(world, report)) {
          lines.push(c.line);
          if (c.ok) passed++;
          else failed++;
        }
      } catch (e) {
        const reason = (e as Error).message.split('\n').slice(0, 12).join('\n    ');
        for (const _ of world.expect) failed++;
        lines.push(`MISMATCH ${world.name} (the run failed, ${world.expect.length} expectations not checked) — ${reason}`);
      }
      blocks[i] = lines;
    },
    flush,
  );
  flush();
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`scenario: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
