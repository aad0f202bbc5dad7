// `pnpm test`: checks the machine's prerequisites (scripts/prereqs.sh), runs the whole tap suite, shows one line
// per test file (and the failing assertions of a failed file), keeps the full TAP log in .tap/last-run.tap, and
// ends with exactly `N passed, N failed` — counted in assertions, as tap's own summary counts them (a file that
// crashes before its summary counts as one failure). Extra arguments go to tap (e.g. a file list).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const prereqs = spawnSync('bash', [join(root, 'scripts/prereqs.sh')], { stdio: 'inherit', cwd: root });
if (prereqs.status !== 0) {
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(prereqs.status === 2 ? 2 : 1);
}

mkdirSync(join(root, '.tap'), { recursive: true });
// Several runs may overlap on a shared machine: each writes its own log, renamed to last-run.tap at the end.
const logPath = join(root, '.tap/last-run.tap');
const runLogPath = join(root, `.tap/run-${process.pid}.tap`);
const log = createWriteStream(runLogPath);
const tapBin = join(root, 'node_modules/.bin/tap');
// Node 20 is the supported runtime; the SDK's notice about future versions would only clutter the log.
const child = spawn(tapBin, ['--reporter=tap', ...process.argv.slice(2)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true' } });

let passed: number | undefined;
let failed: number | undefined;
let filesFailed = 0;
let files = 0;
let block: string[] = [];
const started = Date.now();

const lines = createInterface({ input: child.stdout! });
lines.on('line', (line) => {
  log.write(line + '\n');
  const summary = line.match(/^# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/);
  if (summary) {
    passed = Number(summary[2] ?? 0);
    failed = Number(summary[3] ?? 0);
    return;
  }
  const top = line.match(/^(not ok|ok) \d+ - (\S+)(?:.*# time=([\d.]+)ms)?/);
  if (top) {
    files += 1;
    const seconds = top[3] ? ` (${(Number(top[3]) / 1000).toFixed(1)} s)` : '';
    if (top[1] === 'ok') {
      process.stdout.write(`ok      ${top[2]}${seconds}\n`);
    } else {
      filesFailed += 1;
      process.stdout.write(`FAILED  ${top[2]}${seconds}\n`);
      // The failing assertions of this file, with a little context, so the reason is on screen.
      const shown = new Set<number>();
      block.forEach((l, i) => {
        if (/^\s+not ok /.test(l)) for (let j = i; j < Math.min(block.length, i + 12); j++) shown.add(j);
      });
      for (const i of [...shown].sort((a, b) => a - b).slice(0, 200)) process.stdout.write(`        ${block[i]}\n`);
    }
    block = [];
    return;
  }
  block.push(line);
});

child.on('close', async (code) => {
  await new Promise<void>((done) => log.end(done));
  try {
    renameSync(runLogPath, logPath);
  } catch {
    // keep the per-run name
  }
  const failures = failed ?? 0;
  const total = passed ?? 0;
  // A file that failed without any failing assertion (crash, timeout) still counts.
  const reported = failures === 0 && (filesFailed > 0 || (code ?? 1) !== 0) ? Math.max(1, filesFailed) : failures;
  process.stdout.write(`\n${files} test files, ${filesFailed} failed, ${((Date.now() - started) / 1000).toFixed(0)} s; full log: ${logPath}\n`);
  process.stdout.write(`${total} passed, ${reported} failed\n`);
  process.exit(reported > 0 || (code ?? 1) !== 0 ? 1 : 0);
});
