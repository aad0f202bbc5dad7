// The plain live renderer: one line per finished outcome as the run streams, then (optionally) the full report.
// Used by `gateway-doctor run` and by the TUI's fallback when the UI cannot run. Reads without colour.
import type { Outcome, Report, RunEvent } from '@gateway-doctor/core/types.ts';
import { formatOutcomeLine, formatCounts } from '@gateway-doctor/core/report/text.ts';

export interface PlainOptions {
  /** Where the live lines go. */
  write: (text: string) => void;
  color?: boolean;
  /** Print a `… <probe>` line when a task starts (default off: the finished line says it all). */
  showStarts?: boolean;
  /** Print the closing count line after the last outcome (default on). */
  counts?: boolean;
}

/** Consumes a run's events, printing as they come; resolves with the `done` event's report. */
export async function renderPlainLive(events: AsyncIterable<RunEvent>, options: PlainOptions): Promise<Report> {
  let report: Report | undefined;
  for await (const event of events) {
    if (event.type === 'probe-start' && options.showStarts) {
      options.write(`  … ${event.probe}${event.subject !== undefined ? ` ${event.subject}` : ''}\n`);
    } else if (event.type === 'outcome') {
      options.write(plainLine(event.outcome, options.color) + '\n');
    } else if (event.type === 'done') {
      report = event.report;
    }
  }
  if (!report) throw new Error('the run ended without a report');
  if (options.counts !== false) options.write(`${formatCounts(report.summary)}\n`);
  return report;
}

export function plainLine(outcome: Outcome, color?: boolean): string {
  return formatOutcomeLine(outcome, { color });
}
