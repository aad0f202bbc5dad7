// The JSON report (DESIGN.md): schemaVersion 1, outcomes in run (registry) order. And the NDJSON event lines.
import type { Report, RunEvent } from '../types.ts';

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** One event per line, nothing else (the Job's `options.output: ndjson`). */
export function eventLine(event: RunEvent): string {
  return JSON.stringify(event) + '\n';
}
