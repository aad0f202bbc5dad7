// `gateway-doctor render FILE.ndjson`: turns the Job's saved event stream back into any report. The `done`
// event's report is used when present; otherwise (a Job cut short) the outcomes seen are assembled into one.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Outcome, Report, RunEvent } from '@gateway-doctor/core/types.ts';
import { EXIT, STATUSES } from '@gateway-doctor/core/types.ts';
import { formats, renderReport } from '@gateway-doctor/core/report/index.ts';
import { exitCodeFor, summarize, applyWarnOk } from '@gateway-doctor/core/report/exit.ts';
import { colorAllowed } from '@gateway-doctor/core/report/text.ts';
import { redact } from '@gateway-doctor/core/redact.ts';
import { parseArgs, last } from './run.ts';

export const RENDER_USAGE = `Usage: gateway-doctor render FILE.ndjson [--format text|json|junit|sarif|markdown] [--output FILE] [--warn-ok]

Turns saved NDJSON events (the Job's output with options.output: ndjson; "-" reads stdin) into a report.
Exits with the run's code, like gateway-doctor run.`;

export class EventStreamError extends Error {}

function isOutcome(value: unknown): value is Outcome {
  const o = value as Outcome;
  return !!o && typeof o === 'object' && typeof o.probe === 'string' && typeof o.code === 'string' && STATUSES.includes(o.status) && typeof o.summary === 'string';
}

/** Parses NDJSON events into a report. Throws EventStreamError naming the line. */
export function reportFromEvents(text: string, source = 'input'): Report {
  const lines = text.split(/\r?\n/);
  const outcomes: Outcome[] = [];
  let done: Report | undefined;
  let any = false;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let event: RunEvent;
    try {
      event = JSON.parse(line) as RunEvent;
    } catch (err) {
      throw new EventStreamError(`${source}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (!event || typeof event !== 'object' || Array.isArray(event)) throw new EventStreamError(`${source}:${i + 1}: expected an event object`);
    if (event.schemaVersion !== 1) throw new EventStreamError(`${source}:${i + 1}: schemaVersion ${JSON.stringify((event as { schemaVersion?: unknown }).schemaVersion)} is not supported (expected 1)`);
    any = true;
    if (event.type === 'outcome') {
      if (!isOutcome(event.outcome)) throw new EventStreamError(`${source}:${i + 1}: outcome event without a valid outcome`);
      outcomes.push(event.outcome);
    } else if (event.type === 'done') {
      if (!event.report || !Array.isArray(event.report.outcomes)) throw new EventStreamError(`${source}:${i + 1}: done event without a report`);
      done = event.report;
    } else if (event.type !== 'probe-start') {
      throw new EventStreamError(`${source}:${i + 1}: unknown event type ${JSON.stringify((event as { type?: unknown }).type)}`);
    }
  });
  if (!any) throw new EventStreamError(`${source}: no events`);
  if (done) return done;
  const assembled: Report = {
    schemaVersion: 1,
    tool: { name: 'gateway-doctor', version: 'unknown' },
    context: { where: 'pod', roleArn: '', cluster: '', region: '' },
    startedAt: new Date(0).toISOString(),
    durationMs: outcomes.reduce((t, o) => Math.max(t, o.durationMs ?? 0), 0),
    outcomes,
    summary: summarize(outcomes),
    // The stream ended before the run did: whatever it shows, the run was not decided.
    exitCode: exitCodeFor(outcomes) === EXIT.FAIL ? EXIT.FAIL : EXIT.UNDECIDED,
  };
  CUT_SHORT.add(assembled);
  return assembled;
}

/** Reports assembled from a stream without its `done` event (the Job was cut short). */
const CUT_SHORT = new WeakSet<Report>();
export function isCutShort(report: Report): boolean {
  return CUT_SHORT.has(report);
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, new Set(['help', 'warn-ok']));
  if (args.switches.has('help')) {
    process.stdout.write(`${RENDER_USAGE}\n`);
    return EXIT.OK;
  }
  const unknown = Object.keys(args.values).filter((k) => k !== 'format' && k !== 'output');
  const format = last(args.values.format) ?? 'text';
  const fail = (why: string) => {
    process.stderr.write(`gateway-doctor: ${redact(why)}\n\n${RENDER_USAGE}\n`);
    return EXIT.USAGE;
  };
  if (args.problems.length) return fail(args.problems[0]!);
  if (unknown.length) return fail(`unknown option --${unknown[0]}`);
  if (args.positional.length !== 1) return fail(args.positional.length ? 'give exactly one FILE' : 'missing FILE.ndjson');
  if (!formats[format]) return fail(`--format must be one of ${Object.keys(formats).join(', ')}, got ${JSON.stringify(format)}`);
  const file = args.positional[0]!;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(`${file}: ${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message}`);
  }
  let report: Report;
  try {
    report = reportFromEvents(text, file === '-' ? 'stdin' : file);
  } catch (err) {
    if (err instanceof EventStreamError) {
      process.stderr.write(`gateway-doctor: ${redact(err.message)}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
  if (isCutShort(report)) {
    // say why the run is undecided: nothing in the report itself does
    process.stderr.write(
      `gateway-doctor: ${file === '-' ? 'stdin' : file} has no done event: the run was cut short after ${report.outcomes.length} outcome(s), so this report is incomplete and the run undecided unless something failed\n`,
    );
  }
  report = { ...report, exitCode: applyWarnOk(report.exitCode, args.switches.has('warn-ok')) };
  const output = last(args.values.output);
  const rendered = renderReport(format, report, { color: output === undefined && format === 'text' && colorAllowed(process.stdout) });
  if (output !== undefined) {
    try {
      writeFileSync(output, rendered);
    } catch (err) {
      return fail(`cannot write ${output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  } else process.stdout.write(rendered);
  return report.exitCode;
}
