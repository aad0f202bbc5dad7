// Preload (`node --import tsx --import ./first-frame-trace.mjs …`) for the first-frame test and bench/startup.ts:
// at the first write to stdout (ink's first frame) it reports, on stderr, the time since the process started and
// which AWS SDK client packages were loaded by then, and the peak RSS so far (ESM resolutions via the hooks above, plus the CJS cache);
// at exit it reports the same again, so a test can see that the trace does see SDK clients once probes call AWS.
import { register, createRequire } from 'node:module';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// GD_TRACE_MODULES=0 (bench/startup.ts timing runs): no resolve hook, so the hook's cost is not in the figures.
const file = join(mkdtempSync(join(tmpdir(), 'gd-trace-')), 'resolved.txt');
if (process.env.GD_TRACE_MODULES !== '0') register('./trace-hooks.mjs', import.meta.url, { data: { file } });
const require = createRequire(import.meta.url);

function sdkClients() {
  let urls = [];
  try {
    urls = readFileSync(file, 'utf8').split('\n');
  } catch {
    // nothing resolved yet
  }
  const all = [...urls, ...Object.keys(require.cache)];
  return [...new Set(all.flatMap((u) => /@aws-sdk[/+]client-([a-z0-9-]+)/.exec(u)?.[1] ?? []))].sort();
}

function report(event) {
  const entry = { event, ms: Math.round(performance.now() * 10) / 10, sdkClients: sdkClients(), maxRssKb: process.resourceUsage().maxRSS };
  process.stderr.write(`GD-TRACE ${JSON.stringify(entry)}\n`);
}

const write = process.stdout.write;
let seen = false;
process.stdout.write = function (chunk, ...rest) {
  if (!seen && String(chunk).length > 0) {
    seen = true;
    report('first-frame');
  }
  return write.call(this, chunk, ...rest);
};
process.on('exit', () => report('exit'));
