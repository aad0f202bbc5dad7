// Where the UI's events come from: the runner (wired in commands/tui.ts), a Job's NDJSON, or a fake in tests.
import type { Outcome, RunEvent } from '@gateway-doctor/core/types.ts';
import type { ProbeNode } from './model.ts';

export interface RunSource {
  /**
   * Starts a run of everything, or of only these probe ids (the runner's `only`, with `previous` — the outcomes
   * standing now — in for the probes not re-run); stops when `signal` aborts.
   */
  start(only: string[] | undefined, signal: AbortSignal, previous?: Outcome[]): AsyncIterable<RunEvent>;
  /** The registry's probes in order, with their needs/after: drives grouping, order and `r`'s re-run set. */
  graph?: ProbeNode[];
  /** Loads `graph` after the first frame (the registry imports every probe module). */
  loadGraph?(): Promise<ProbeNode[]>;
  /** False when the events cannot be produced again (a finished Job's log): `r`/`R` then say so. */
  rerunnable?: boolean;
}

/** Writes the report files and returns where they went (absolute paths). */
export type SaveReport = (report: import('@gateway-doctor/core/types.ts').Report) => Promise<string[]>;
