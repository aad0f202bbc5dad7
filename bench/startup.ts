// Start-up figures (issue 9 item 4): `gateway-doctor --version`, `list`, the TUI's first frame, the Job's first
// output bundled and not, and the peak RSS of a full run. Every process runs inside the pod sandbox (one sandbox,
// the commands as consecutive steps), with test/tui/first-frame-trace.mjs preloaded to note, from inside the
// process, the time since it started at its first write to stdout and at exit (GD_TRACE_MODULES=0: no module
// tracing, so the figures carry no hook cost). Medians of --runs repetitions, interleaved so machine noise spreads
// over every figure alike.
//
//   node --import tsx bench/startup.ts [--runs 5] [--world test/worlds/healthy-basic.yaml] [--write]
//
// --write replaces the "Start-up" section of BENCHMARKS.md with the table.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { CONFIG_PATH, REPO_ROOT, runInSandbox } from '../test/sandbox/index.ts';
import { arg, median } from './args.ts';

const TRACE = './test/tui/first-frame-trace.mjs';
const NODE = process.execPath;
const TSX = ['--import', 'tsx'];
const BIN = 'packages/cli/src/bin.ts';

interface Trace {
  event: string;
  ms: number;
  maxRssKb: number;
}

interface Measure {
  name: string;
  cmd: string[];
  env?: Record<string, string>;
  /** Which traced moment is the figure: the first write to stdout, or the exit. */
  at: 'first-frame' | 'exit';
  note: string;
}


function traces(stderr: string): Record<string, Trace> {
  const out: Record<string, Trace> = {};
  for (const line of stderr.split('\n')) {
    if (line.startsWith('GD-TRACE ')) {
      const entry = JSON.parse(line.slice('GD-TRACE '.length)) as Trace;
      out[entry.event] = entry;
    }
  }
  return out;
}

async function main(): Promise<number> {
  const runs = Math.max(1, Number(arg('runs', '5')) || 5);
  const world = resolve(REPO_ROOT, arg('world', 'test/worlds/healthy-basic.yaml'));
  const jobEnv = { GATEWAY_DOCTOR_CONFIG: CONFIG_PATH, GATEWAY_DOCTOR_TERMINATION_LOG: '/tmp/termination-log' };
  const measures: Measure[] = [
    { name: '`gateway-doctor --version`', cmd: [NODE, ...TSX, '--import', TRACE, BIN, '--version'], at: 'exit', note: 'process start → exit' },
    { name: '`gateway-doctor list`', cmd: [NODE, ...TSX, '--import', TRACE, BIN, 'list'], at: 'exit', note: 'process start → exit' },
    {
      name: 'TUI first frame',
      cmd: [NODE, ...TSX, '--import', TRACE, BIN, '--tui', '--config', CONFIG_PATH],
      at: 'first-frame',
      note: "process start → ink's first write (no SDK client loaded yet: test/tui/tui-first-frame.test.ts)",
    },
  ];
  if (existsSync(resolve(REPO_ROOT, 'packages/job/dist/main.mjs'))) {
    measures.push({ name: 'Job, bundled (dist/main.mjs)', cmd: [NODE, '--import', TRACE, 'packages/job/dist/main.mjs'], env: jobEnv, at: 'first-frame', note: 'process start → first line on stdout' });
  }
  if (existsSync(resolve(REPO_ROOT, 'packages/job/src/main.ts'))) {
    measures.push({ name: 'Job, not bundled (tsx src/main.ts)', cmd: [NODE, ...TSX, '--import', TRACE, 'packages/job/src/main.ts'], env: jobEnv, at: 'first-frame', note: 'process start → first line on stdout' });
  }

  const steps = Array.from({ length: runs }, () => measures.map((m) => ({ cmd: m.cmd, env: { GD_TRACE_MODULES: '0', ...(m.env ?? {}) } }))).flat();
  const result = await runInSandbox({ world, steps, timeoutMs: 600_000 });
  const figures = measures.map(() => ({ ms: [] as number[], wall: [] as number[], rss: [] as number[] }));
  result.steps.forEach((step, i) => {
    const index = i % measures.length;
    const trace = traces(step.stderr);
    const at = trace[measures[index].at];
    if (!at) {
      process.stderr.write(`no ${measures[index].at} trace for ${measures[index].name} (exit ${step.exitCode}):\n${step.stderr.slice(0, 2000)}\n`);
      return;
    }
    figures[index].ms.push(at.ms);
    figures[index].wall.push(step.durationMs);
    if (trace.exit) figures[index].rss.push(trace.exit.maxRssKb);
  });

  const rows = measures.map((m, i) => {
    const f = figures[i];
    const ms = f.ms.length ? `${Math.round(median(f.ms))} ms` : 'n/a';
    const wall = f.wall.length ? `${Math.round(median(f.wall))} ms` : 'n/a';
    const rss = f.rss.length ? `${Math.round(median(f.rss) / 1024)} MiB` : 'n/a';
    return `| ${m.name} | ${ms} | ${wall} | ${rss} | ${m.note} |`;
  });
  const load = loadavg()[0].toFixed(1);
  const table = [
    `Medians of ${runs} runs inside the pod sandbox on world \`${world.slice(REPO_ROOT.length + 1)}\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPUs at load average ${load} (the machine is shared: absolute figures move with the load; compare rows of one run).`,
    '',
    '| what | in-process time | wall time of the process | peak RSS at exit | measured |',
    '|---|--:|--:|--:|---|',
    ...rows,
    '',
    'The TUI row\'s peak RSS is that of the whole run it starts (it exits when the run ends without a TTY stdin).',
    '',
    "Where the first frame's time goes: module loading. `--version` is the floor (node + tsx + the dispatcher);",
    'the TUI adds ink and its dependencies (react-reconciler, yoga-layout\'s WebAssembly, es-toolkit, string-width…)',
    'and the UI\'s own modules through tsx, while nothing of the config, the registry, the runner or the SDK is loaded',
    'before the frame. The Job rows show what bundling buys for the same kind of start; bundling the CLI with esbuild',
    'the same way is the next step for the first frame.',
  ].join('\n');
  process.stdout.write(`${table}\n`);

  if (process.argv.includes('--write')) {
    const file = resolve(REPO_ROOT, 'BENCHMARKS.md');
    const begin = '<!-- startup:begin -->';
    const end = '<!-- startup:end -->';
    const section = `${begin}\n${table}\n\nReproduce: \`node --import tsx bench/startup.ts --runs ${runs} --write\`\n${end}`;
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
    const next = current.includes(begin)
      ? current.slice(0, current.indexOf(begin)) + section + current.slice(current.indexOf(end) + end.length)
      : `${current.trimEnd()}\n\n## Start-up\n\n${section}\n`;
    writeFileSync(file, next);
  }
  return 0;
}

process.exitCode = await main();
