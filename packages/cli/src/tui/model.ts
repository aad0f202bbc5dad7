// The TUI's model: a pure reducer over the runner's RunEvents plus the user's actions (select, filter, re-run).
// Components only read this state; hooks dispatch into it. Kept free of ink/react so it is tested directly.
import type { Outcome, Report, ReportContext, RunEvent, Status, Summary } from '@gateway-doctor/core/types.ts';

/** What the UI knows about a registered probe (from the registry, when available): order and dependencies. */
export interface ProbeNode {
  id: string;
  area: string;
  title?: string;
  needs: string[];
  after: string[];
}

/** One runner task: a probe, or one subject of a per-subject probe. A task may yield several outcomes. */
export interface Task {
  key: string;
  probe: string;
  subject?: string;
  area: string;
  state: 'queued' | 'running' | 'done';
  outcomes: Outcome[];
  /** The run (counter) that produced `outcomes`. */
  run: number;
  /** ms timestamp the task started in its current run (for the live elapsed time). */
  startedAt?: number;
  /** First-seen order, the tie-breaker before the report fixes the order. */
  seq: number;
}

/** A row in the list: one outcome, or a task still running/queued. */
export interface Row {
  key: string;
  task: Task;
  outcome?: Outcome;
}

export interface TuiState {
  tasks: Task[];
  /** The registry's probes (empty until known). */
  graph: ProbeNode[];
  /** Registry order of probe ids (graph order, then report order). */
  probeRank: Record<string, number>;
  /** Areas in display order. */
  areas: string[];
  /** Area of each known probe (from the registry; else the id's prefix). */
  probeArea: Record<string, string>;
  context?: ReportContext;
  /** Counter of runs started (the first run is 1). */
  run: number;
  running: boolean;
  /** Probe ids of the current or last run; undefined = everything. */
  scope?: string[];
  /** The report of the last full run, merged with later re-runs. */
  report?: Report;
  selectedKey?: string;
  /** The user moved the selection: don't jump to the first failure when the run ends. */
  userMoved: boolean;
  detailsOpen: boolean;
  detailScroll: number;
  failuresOnly: boolean;
  warnOk: boolean;
  notice?: string;
  /** The last run could not run at all (the runner threw): the exit code is then 1, internal error. */
  failed?: string;
  seq: number;
  /** Every outcome in the order it arrived (the non-interactive view prints these once, in <Static>). */
  log: Outcome[];
}

export type Action =
  | { type: 'run-start'; scope?: string[]; at: number }
  | { type: 'event'; event: RunEvent; at: number }
  | { type: 'run-failed'; message: string }
  | { type: 'move'; delta: number }
  | { type: 'select'; key: string }
  | { type: 'toggle-details' }
  | { type: 'close-details' }
  | { type: 'scroll-details'; delta: number }
  | { type: 'toggle-failures' }
  | { type: 'notice'; message?: string }
  | { type: 'graph'; graph: ProbeNode[] }
  | { type: 'context'; context: ReportContext };

const DEFAULT_AREAS = ['identity', 'policy', 'secrets', 'audit', 'network', 'services', 'eks'];

export function initialState(options: { graph?: ProbeNode[]; context?: ReportContext; warnOk?: boolean } = {}): TuiState {
  const probeRank: Record<string, number> = {};
  const probeArea: Record<string, string> = {};
  const areas = [...DEFAULT_AREAS];
  (options.graph ?? []).forEach((node, index) => {
    probeRank[node.id] = index;
    probeArea[node.id] = node.area;
    if (!areas.includes(node.area)) areas.push(node.area);
  });
  return {
    tasks: [],
    graph: options.graph ?? [],
    probeRank,
    areas,
    probeArea,
    context: options.context,
    run: 0,
    running: false,
    userMoved: false,
    detailsOpen: false,
    detailScroll: 0,
    failuresOnly: false,
    warnOk: options.warnOk ?? false,
    seq: 0,
    log: [],
  };
}

export function taskKey(probe: string, subject?: string): string {
  return subject === undefined ? probe : `${probe}\u0000${subject}`;
}

function upsertTask(state: TuiState, probe: string, subject: string | undefined): { tasks: Task[]; task: Task; seq: number } {
  const key = taskKey(probe, subject);
  const found = state.tasks.find((task) => task.key === key);
  if (found) return { tasks: state.tasks, task: found, seq: state.seq };
  const task: Task = { key, probe, subject, area: state.probeArea[probe] ?? probe.split('.')[0], state: 'queued', outcomes: [], run: state.run, seq: state.seq };
  return { tasks: [...state.tasks, task], task, seq: state.seq + 1 };
}

function replaceTask(tasks: Task[], next: Task): Task[] {
  return tasks.map((task) => (task.key === next.key ? next : task));
}

function inScope(scope: string[] | undefined, probe: string): boolean {
  return scope === undefined || scope.includes(probe);
}

export function reduce(state: TuiState, action: Action): TuiState {
  switch (action.type) {
    case 'run-start': {
      const run = state.run + 1;
      const tasks = state.tasks.map((task) =>
        inScope(action.scope, task.probe) ? { ...task, state: 'queued' as const, startedAt: undefined } : task,
      );
      return { ...state, run, tasks, running: true, scope: action.scope, detailScroll: 0, notice: undefined, failed: undefined };
    }
    case 'event':
      return applyEvent(state, action.event, action.at);
    case 'run-failed':
      return { ...state, running: false, notice: action.message, failed: action.message };
    case 'move': {
      const rows = visibleRows(state);
      if (rows.length === 0) return state;
      const current = rows.findIndex((row) => row.key === state.selectedKey);
      const index = current < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, current + action.delta));
      return { ...state, selectedKey: rows[index].key, userMoved: true, detailScroll: 0 };
    }
    case 'select':
      return { ...state, selectedKey: action.key, userMoved: true, detailScroll: 0 };
    case 'toggle-details':
      if (!selectedRow(state)?.outcome && !state.detailsOpen) return state;
      return { ...state, detailsOpen: !state.detailsOpen, detailScroll: 0 };
    case 'close-details':
      return { ...state, detailsOpen: false, detailScroll: 0 };
    case 'scroll-details':
      return { ...state, detailScroll: Math.max(0, state.detailScroll + action.delta) };
    case 'toggle-failures': {
      const next = { ...state, failuresOnly: !state.failuresOnly, detailScroll: 0 };
      const rows = visibleRows(next);
      if (!rows.some((row) => row.key === state.selectedKey)) next.selectedKey = rows[0]?.key;
      return next;
    }
    case 'notice':
      return { ...state, notice: action.message };
    case 'graph': {
      const known = initialState({ graph: action.graph });
      const tasks = state.tasks.map((task) => ({ ...task, area: known.probeArea[task.probe] ?? task.area }));
      return { ...state, tasks, graph: action.graph, probeRank: known.probeRank, probeArea: known.probeArea, areas: known.areas };
    }
    case 'context':
      return state.report ? state : { ...state, context: action.context };
  }
}

function applyEvent(state: TuiState, event: RunEvent, at: number): TuiState {
  if (event.type === 'probe-start') {
    const { tasks, task, seq } = upsertTask(state, event.probe, event.subject);
    const next: Task = { ...task, state: 'running', startedAt: at, outcomes: [], run: state.run };
    return { ...state, tasks: replaceTask(tasks, next), seq };
  }
  if (event.type === 'outcome') {
    const { outcome } = event;
    const { tasks, task, seq } = upsertTask(state, outcome.probe, outcome.subject);
    // A task's outcomes accumulate within one run (one outcome per finding); an earlier run's are replaced.
    const sameRun = task.run === state.run && task.state !== 'queued';
    const outcomes = sameRun ? [...task.outcomes, outcome] : [outcome];
    const next: Task = { ...task, state: 'done', run: state.run, outcomes };
    return { ...state, tasks: replaceTask(tasks, next), seq, log: [...state.log, outcome] };
  }
  return finishRun(state, event.report);
}

/** The run ended: the report's outcomes (registry order) become the truth for the probes this run covered. */
function finishRun(state: TuiState, report: Report): TuiState {
  const probeRank = { ...state.probeRank };
  const base = Object.keys(probeRank).length;
  let extra = 0;
  for (const outcome of report.outcomes) {
    if (probeRank[outcome.probe] === undefined) probeRank[outcome.probe] = base + extra++;
  }
  const kept = state.tasks.filter((task) => !inScope(state.scope, task.probe));
  const rebuilt: Task[] = [];
  // The report's order (registry, then subject as configured) replaces arrival order.
  let seq = state.seq;
  for (const outcome of report.outcomes) {
    if (!inScope(state.scope, outcome.probe)) continue;
    const key = taskKey(outcome.probe, outcome.subject);
    const existing = rebuilt.find((task) => task.key === key);
    if (existing) existing.outcomes.push(outcome);
    else {
      const previous = state.tasks.find((task) => task.key === key);
      rebuilt.push({
        key,
        probe: outcome.probe,
        subject: outcome.subject,
        area: previous?.area ?? state.probeArea[outcome.probe] ?? outcome.probe.split('.')[0],
        state: 'done',
        outcomes: [outcome],
        run: state.run,
        seq: seq++,
      });
    }
  }
  const tasks = [...kept, ...rebuilt];
  const merged = mergeReport(state.report, report, state.scope, tasks, probeRank, state.warnOk);
  let next: TuiState = { ...state, tasks, probeRank, running: false, report: merged, context: merged.context, seq };
  if (state.scope) next.notice = rerunNotice(state.scope, report.outcomes);
  if (!next.userMoved) {
    const firstFailure = visibleRows(next).find((row) => row.outcome?.status === 'fail' || row.outcome?.status === 'error');
    if (firstFailure) next = { ...next, selectedKey: firstFailure.key };
  }
  if (!visibleRows(next).some((row) => row.key === next.selectedKey)) next = { ...next, selectedKey: visibleRows(next)[0]?.key };
  return next;
}

function mergeReport(
  previous: Report | undefined,
  report: Report,
  scope: string[] | undefined,
  tasks: Task[],
  probeRank: Record<string, number>,
  warnOk: boolean,
): Report {
  if (scope === undefined || previous === undefined) return report;
  const outcomes = sortTasks(tasks, probeRank).flatMap((task) => task.outcomes);
  const summary = summarize(outcomes);
  return { ...report, outcomes, summary, exitCode: exitCodeFor(outcomes, warnOk), startedAt: previous.startedAt };
}

/** The footer's word on a finished re-run: what ran and how it ended. */
export function rerunNotice(scope: string[], outcomes: Outcome[]): string {
  const c = summarize(outcomes);
  const what = scope.length === 1 ? scope[0] : `${scope[0]} and ${scope.length - 1} more`;
  const parts = [`${c.pass} passed`, c.warn ? `${c.warn} warning${c.warn === 1 ? '' : 's'}` : '', `${c.fail} failed`, c.skip ? `${c.skip} skipped` : '', c.error ? `${c.error} error${c.error === 1 ? '' : 's'}` : ''];
  return `Re-ran ${what}: ${parts.filter(Boolean).join(', ')}`;
}

export function summarize(outcomes: Outcome[]): Summary {
  const summary: Summary = { pass: 0, warn: 0, fail: 0, skip: 0, error: 0 };
  for (const outcome of outcomes) summary[outcome.status]++;
  return summary;
}

/** DESIGN.md's exit codes from a set of outcomes: 3 any fail, 5 undecided, 4 warnings (0 with --warn-ok), 0. */
export function exitCodeFor(outcomes: Outcome[], warnOk: boolean, complete = true): number {
  if (outcomes.some((o) => o.status === 'fail')) return 3;
  if (!complete) return 5;
  if (outcomes.some((o) => o.status === 'error' || (o.status === 'skip' && o.code === 'NEEDS_UNMET'))) return 5;
  if (outcomes.some((o) => o.status === 'warn')) return warnOk ? 0 : 4;
  return 0;
}

/** The exit code to leave with now: the (merged) report's, or an incomplete run's. */
export function currentExitCode(state: TuiState): number {
  if (state.failed !== undefined && !state.running) return 1;
  if (!state.running && state.report) return state.report.exitCode;
  return exitCodeFor(allOutcomes(state), state.warnOk, false);
}

function sortTasks(tasks: Task[], probeRank: Record<string, number>, areas: string[] = DEFAULT_AREAS): Task[] {
  const areaIndex = (area: string) => {
    const index = areas.indexOf(area);
    return index < 0 ? areas.length : index;
  };
  const rank = (probe: string) => probeRank[probe] ?? 1e6;
  return [...tasks].sort(
    (a, b) => areaIndex(a.area) - areaIndex(b.area) || rank(a.probe) - rank(b.probe) || a.seq - b.seq,
  );
}

export function orderedTasks(state: TuiState): Task[] {
  return sortTasks(state.tasks, state.probeRank, state.areas);
}

/** Outcomes that stand now: a task queued for a re-run no longer counts its old ones. */
export function allOutcomes(state: TuiState): Outcome[] {
  return orderedTasks(state).flatMap((task) => (task.state === 'done' ? task.outcomes : []));
}

/** Rows in display order, after the failures-only filter. */
export function visibleRows(state: TuiState): Row[] {
  const rows: Row[] = [];
  for (const task of orderedTasks(state)) {
    if (task.state !== 'done' || task.outcomes.length === 0) {
      // Undecided tasks stay visible under the filter too: they may yet fail, and a re-run keeps its selection.
      rows.push({ key: task.key, task });
      continue;
    }
    task.outcomes.forEach((outcome, index) => {
      if (state.failuresOnly && !isFailure(outcome.status)) return;
      rows.push({ key: index === 0 ? task.key : `${task.key}#${index}`, task, outcome });
    });
  }
  return rows;
}

export function isFailure(status: Status): boolean {
  return status === 'fail' || status === 'error';
}

export function selectedRow(state: TuiState): Row | undefined {
  const rows = visibleRows(state);
  return rows.find((row) => row.key === state.selectedKey) ?? (state.selectedKey === undefined ? undefined : rows[0]);
}

/** Counts for the footer: finished outcomes by status, plus tasks still running or queued. */
export function counts(state: TuiState): Summary & { running: number; queued: number; hidden: number } {
  const summary = summarize(allOutcomes(state));
  const running = state.tasks.filter((task) => task.state === 'running').length;
  const queued = state.tasks.filter((task) => task.state === 'queued').length;
  const total = state.tasks.reduce((n, task) => n + Math.max(1, task.state === 'done' ? task.outcomes.length : 1), 0);
  return { ...summary, running, queued, hidden: total - visibleRows(state).length };
}

/**
 * What `r` re-runs for a probe: the probe and everything that needs it or waits for it, transitively (the
 * runner's `only`); the outcomes of everything else stand in for their needs (the runner's `previous`).
 */
export function rerunScope(graph: ProbeNode[], probe: string): string[] {
  if (!graph.some((node) => node.id === probe)) return [probe];
  const scope = new Set([probe]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const node of graph) {
      if (scope.has(node.id)) continue;
      if ([...node.needs, ...node.after].some((id) => scope.has(id))) {
        scope.add(node.id);
        grew = true;
      }
    }
  }
  return graph.map((node) => node.id).filter((id) => scope.has(id));
}
