// Runs inside the pod sandbox for the leak test: turns one run's events (the Job's NDJSON when given, else the
// run's JSON report wrapped as events) into every report format through `gateway-doctor render`'s own code,
// and provokes render's error path with a corrupt stream that carries secret-looking values. Prints one JSON
// object: { outputs: { <name>: text }, skipped: { <name>: reason } }.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main as render } from '../../packages/cli/src/commands/render.ts';
import { formats } from '../../packages/core/src/report/index.ts';

const [reportPath, jobNdjson, corruptSecret = '', corruptToken = ''] = process.argv.slice(2);
const home = process.env.HOME ?? '/tmp';
const outputs: Record<string, string> = {};
const skipped: Record<string, string> = {};

let ndjson = join(home, 'events.ndjson');
if (reportPath) outputs['run --format json --output FILE (the report file)'] = readFileSync(reportPath, 'utf8');
if (jobNdjson) {
  // the Job's own event stream is what `gateway-doctor cluster` renders
  ndjson = jobNdjson;
  outputs['Job NDJSON (stdout)'] = readFileSync(jobNdjson, 'utf8');
  try {
    outputs['Job termination message'] = readFileSync(join(home, 'termination-log'), 'utf8');
  } catch {
    skipped['Job termination message'] = 'the Job wrote no termination message';
  }
} else {
  const report = JSON.parse(outputs['run --format json --output FILE (the report file)'] ?? '{"outcomes":[]}');
  const lines = [
    ...report.outcomes.map((outcome: unknown) => JSON.stringify({ schemaVersion: 1, type: 'outcome', outcome })),
    JSON.stringify({ schemaVersion: 1, type: 'done', report }),
  ];
  writeFileSync(ndjson, lines.join('\n') + '\n');
}

// Capture what render writes to stderr (its error messages) without losing it.
const realWrite = process.stderr.write.bind(process.stderr);
let captured = '';
(process.stderr as any).write = (chunk: any, ...rest: any[]) => {
  captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return realWrite(chunk, ...rest);
};

for (const format of Object.keys(formats)) {
  const out = join(home, `report.${format}`);
  captured = '';
  const code = await render([ndjson, '--format', format, '--output', out]);
  try {
    outputs[`render --format ${format}`] = readFileSync(out, 'utf8') + captured;
  } catch {
    skipped[`render --format ${format}`] = `render exited ${code} without writing ${out}: ${captured.slice(0, 300)}`;
  }
}

// A stream cut mid-line, whose broken line holds a SecretString and a session token: the error must not echo them.
const corrupt = join(home, 'corrupt.ndjson');
writeFileSync(
  corrupt,
  `${JSON.stringify({ schemaVersion: 1, type: 'probe-start', probe: 'secrets.read' })}\n` +
    `{"schemaVersion":1,"type":"outcome","outcome":{"evidence":{"SecretString":"${corruptSecret}","X-Amz-Security-Token":"${corruptToken}"\n`,
);
captured = '';
const code = await render([corrupt, '--format', 'json']);
outputs['render error message (corrupt stream)'] = `exit ${code}\n${captured}`;

(process.stderr as any).write = realWrite;
process.stdout.write(JSON.stringify({ outputs, skipped }));
