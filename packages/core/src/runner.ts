// The runner: turns the registry and a config into tasks (one per probe, or one per subject), runs them as a DAG
// over `needs` and `after` with bounded concurrency and deadlines, and streams events as each task starts and ends.
//
// Rules (CATALOG.md "Statuses, needs, subjects"):
// - a need on a per-subject probe binds to the same subject when that probe has it, else to all of its subjects;
//   a need is met when every outcome of it is pass, warn or skip NOT_APPLICABLE; otherwise skip NEEDS_UNMET naming it;
// - each task gets its own deadline (options.probeTimeoutMs) combined with the run's; the runner never waits for a
//   probe that ignores its signal: at the deadline the task is error PROBE_TIMEOUT, whatever it does later;
// - the run deadline (options.runTimeoutMs): running tasks become PROBE_TIMEOUT, and so do tasks not started yet
//   (we chose PROBE_TIMEOUT over NEEDS_UNMET for those: nothing they needed failed, time ran out — undecided);
// - pod-only probes on a laptop are skip NOT_APPLICABLE naming `gateway-doctor cluster`, whatever their needs;
// - a thrown probe is error PROBE_CRASHED (redacted message, stack to the debug log); an AwsCallError it let
//   escape is mapped by genericErrorFinding first; an unknown code is PROBE_CRASHED saying so;
// - outcomes are redacted before they are emitted; the report lists them in registry order, then subject order.
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type {
  AwsAccess,
  Config,
  Evidence,
  EvidenceValue,
  Finding,
  Outcome,
  Probe,
  ProbeContext,
  Report,
  ResultsView,
  RunEvent,
  RunOptions,
  Status,
} from './types.ts';
import { STATUSES } from './types.ts';
import { isCode, defaultStatus } from './catalog/index.ts';
import { buildRegistry, type Registry } from './registry.ts';
import { detectWhere } from './where.ts';
import { redact, redactDeep, redactEvidence } from './redact.ts';
import { createAwsAccess, isAwsAccessRoot } from './aws/access.ts';
import { isAwsCallError } from './aws/errors.ts';
import { genericErrorFinding } from './probes/helpers.ts';
import { exitCodeFor, summarize } from './report/exit.ts';
import corePackage from '../package.json' with { type: 'json' };

export const TOOL = { name: 'gateway-doctor', version: (corePackage as { version: string }).version } as const;
export const SCHEMA_VERSION = 1 as const;

interface Task {
  key: string;
  probe: Probe;
  subject?: string;
  /** Position of the subject in config order (0 for probes without subjects). */
  subjectIndex: number;
  needIds: string[];
  afterIds: string[];
  needs: Task[];
  after: Task[];
  /** Needs on probes that are not part of this run at all. */
  missingNeeds: string[];
  state: 'pending' | 'queued' | 'running' | 'done';
  outcomes: Outcome[];
  /** A task carried over from `options.previous`: done, not reported. */
  previous?: boolean;
  /** Set when the task could not even be planned (subjects() threw). */
  planError?: Outcome;
  /** Unfinished tasks among needs and after; the task is considered when it drops to 0. */
  waiting: number;
  /** Tasks waiting on this one. */
  dependents: Task[];
}

/** A tiny unbounded async queue: the producer pushes events, the generator yields them in order. */
class EventQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiting: ((v: IteratorResult<T>) => void) | undefined;
  private closed = false;
  push(item: T) {
    if (this.closed) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: item, done: false });
    } else this.items.push(item);
  }
  close() {
    this.closed = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined as never, done: true });
    }
  }
  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined as never, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

const SATISFIES_NEED = (o: Outcome) => o.status === 'pass' || o.status === 'warn' || (o.status === 'skip' && o.code === 'NOT_APPLICABLE');

/** Flattens evidence values to the allowed shape: scalars and arrays of scalars; anything else becomes JSON text. */
function flattenEvidence(evidence: Record<string, unknown>): Evidence {
  const out: Evidence = {};
  for (const [key, value] of Object.entries(evidence)) {
    if (value === undefined) continue;
    out[key] = flattenValue(value);
  }
  return out;
}
function flattenValue(value: unknown): EvidenceValue {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => (v === null || ['string', 'number', 'boolean'].includes(typeof v) ? (v as string) : JSON.stringify(v)));
  if (typeof value === 'bigint') return value.toString();
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function redactOutcome(outcome: Outcome): Outcome {
  const out: Outcome = { ...outcome, summary: redact(outcome.summary), evidence: redactEvidence(outcome.evidence) };
  if (outcome.remedy) {
    out.remedy = { text: redact(outcome.remedy.text) };
    if (outcome.remedy.commands) out.remedy.commands = outcome.remedy.commands.map(redact);
    if (outcome.remedy.policy !== undefined) out.remedy.policy = redactDeep(outcome.remedy.policy);
  }
  return out;
}

function describeTask(probeId: string, subject?: string): string {
  return subject === undefined ? probeId : `${probeId} (${subject})`;
}

function outcomeWord(outcomes: Outcome[]): string {
  if (!outcomes.length) return 'produced nothing';
  const worst = outcomes.find((o) => !SATISFIES_NEED(o)) ?? outcomes[0]!;
  return `ended ${worst.status} ${worst.code}`;
}

/** Selects the probes to run; unknown ids in `only` are an error naming them. */
export function selectProbes(registry: Registry, only?: readonly string[]): Probe[] {
  if (!only || only.length === 0) return [...registry.probes];
  const unknown = only.filter((id) => !registry.get(id));
  if (unknown.length) throw new Error(`unknown probe id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (see gateway-doctor list)`);
  const wanted = new Set(only);
  return registry.probes.filter((p) => wanted.has(p.meta.id));
}

/**
 * Runs the probes for `config` and streams events: `probe-start` when a task starts, `outcome` as each finishes,
 * `done` with the report (outcomes in registry order). Throws (before the first event) for an invalid registry or
 * an unknown `only` id.
 */
export async function* runProbes(config: Config, options: RunOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
  const registry = buildRegistry(options.probes);
  const selected = selectProbes(registry, options.only);
  const env = Object.freeze({ ...(options.env ?? process.env) });
  const where = options.where ?? detectWhere(env);
  const debug = options.debug;
  const log = (line: string) => debug?.(redact(line));
  const startedAt = new Date();
  const started = performance.now();
  const tuning = config.options;

  // The run's deadline, and the caller's cancellation, in one signal.
  // Our own timers, not AbortSignal.timeout: those are unref'd, and a probe hung on nothing would let the process
  // exit before its deadline ever fired.
  const runDeadline = deadlineSignal(tuning.runTimeoutMs, 'run deadline');
  const runSignal = options.signal ? AbortSignal.any([options.signal, runDeadline.signal]) : runDeadline.signal;
  setMaxListeners(0, runSignal);
  const clock = new DeadlineClock();
  const aws: AwsAccess = options.aws ?? createAwsAccess({ config, env, signal: runSignal, debug: log });

  // ---- plan ----
  const tasksByProbe = new Map<string, Task[]>();
  const tasks: Task[] = [];
  const selectedIds = new Set(selected.map((p) => p.meta.id));
  for (const probe of selected) {
    const list: Task[] = [];
    const { meta } = probe;
    let specs: { subject?: string; needs?: string[]; after?: string[] }[] = [{}];
    let planError: Outcome | undefined;
    if (meta.subjects) {
      try {
        specs = meta.subjects(config);
      } catch (err) {
        specs = [{}];
        planError = crashOutcome(probe, undefined, `could not list its subjects: ${(err as Error)?.message ?? String(err)}`, 0);
        log(`runner: ${meta.id} subjects() threw: ${(err as Error)?.stack ?? String(err)}`);
      }
    }
    specs.forEach((spec, i) => {
      const task: Task = {
        key: `${meta.id}#${i}`,
        probe,
        subject: spec.subject,
        subjectIndex: i,
        needIds: [...new Set([...(meta.needs ?? []), ...(spec.needs ?? [])])],
        afterIds: [...new Set([...(meta.after ?? []), ...(spec.after ?? [])])],
        needs: [],
        after: [],
        missingNeeds: [],
        state: 'pending',
        outcomes: [],
        planError,
        waiting: 0,
        dependents: [],
      };
      list.push(task);
      tasks.push(task);
    });
    tasksByProbe.set(meta.id, list);
  }
  // Earlier outcomes stand in for probes this run does not select.
  for (const outcome of options.previous ?? []) {
    if (selectedIds.has(outcome.probe)) continue;
    const probe = registry.get(outcome.probe);
    if (!probe) continue;
    const list = tasksByProbe.get(outcome.probe) ?? [];
    let task = list.find((t) => t.subject === outcome.subject);
    if (!task) {
      task = { key: `${outcome.probe}#prev${list.length}`, probe, subject: outcome.subject, subjectIndex: list.length, needIds: [], afterIds: [], needs: [], after: [], missingNeeds: [], state: 'done', outcomes: [], previous: true, waiting: 0, dependents: [] };
      list.push(task);
      tasksByProbe.set(outcome.probe, list);
    }
    task.outcomes.push(outcome);
  }
  // probe id -> subject -> its tasks, so binding thousands of subjects stays linear.
  const bySubject = new Map<string, Map<string | undefined, Task[]>>();
  for (const [id, list] of tasksByProbe) {
    const m = new Map<string | undefined, Task[]>();
    for (const t of list) {
      const same = m.get(t.subject);
      if (same) same.push(t);
      else m.set(t.subject, [t]);
    }
    bySubject.set(id, m);
  }
  const bind = (task: Task, depId: string): Task[] | undefined => {
    const depTasks = tasksByProbe.get(depId);
    if (!depTasks) return undefined;
    const dep = registry.get(depId);
    if (dep?.meta.subjects && task.subject !== undefined) {
      const same = bySubject.get(depId)?.get(task.subject);
      if (same?.length) return same;
    }
    return depTasks;
  };
  for (const task of tasks) {
    for (const id of task.needIds) {
      const bound = bind(task, id);
      if (bound === undefined) {
        if (registry.get(id)) task.missingNeeds.push(id);
        else task.planError ??= crashOutcome(task.probe, task.subject, `needs unknown probe ${id}`, 0);
      } else task.needs.push(...bound);
    }
    for (const id of task.afterIds) task.after.push(...(bind(task, id) ?? []));
    for (const dep of new Set([...task.needs, ...task.after])) {
      if (dep.state === 'done' || dep === task) continue;
      task.waiting += 1;
      dep.dependents.push(task);
    }
  }

  // ---- results view ----
  const results: ResultsView = {
    get(probeId, subject) {
      const all = (tasksByProbe.get(probeId) ?? []).filter((t) => t.state === 'done').flatMap((t) => t.outcomes);
      return subject === undefined ? all : all.filter((o) => o.subject === subject || o.subject === undefined);
    },
    failureCodes(probeIds, subject) {
      const codes: string[] = [];
      for (const id of probeIds) {
        for (const o of results.get(id, subject)) {
          if (o.status !== 'fail' && o.status !== 'warn') continue;
          codes.push(o.code, ...(o.causes ?? []));
        }
      }
      return [...new Set(codes)];
    },
  };

  // ---- execution ----
  const queue = new EventQueue<RunEvent>();
  const limit = pLimit(tuning.concurrency);
  const reported: { task: Task; seq: number; outcome: Outcome }[] = [];
  let seq = 0;
  let remaining = tasks.length;
  let resolveAll!: () => void;
  const allDone = new Promise<void>((r) => (resolveAll = r));

  const finish = (task: Task, outcomes: Outcome[]) => {
    if (task.state === 'done') return;
    task.state = 'done';
    task.outcomes = outcomes.map(redactOutcome);
    for (const outcome of task.outcomes) {
      reported.push({ task, seq: seq++, outcome });
      queue.push({ schemaVersion: SCHEMA_VERSION, type: 'outcome', outcome });
    }
    remaining -= 1;
    for (const dependent of task.dependents) {
      dependent.waiting -= 1;
      if (dependent.waiting === 0) ready.push(dependent);
    }
    if (remaining === 0) resolveAll();
    else schedule();
  };
  /** Tasks whose needs and after have all finished, to be considered by the next scheduling pass. */
  const ready: Task[] = [];
  // schedule() is re-entrant through finish(): a flag turns nested calls into another pass of the outer loop,
  // so thousands of chained skips do not grow the stack.
  let scheduling = false;
  let again = false;

  const runDeadlineText = () =>
    options.signal?.aborted ? 'the run was cancelled before it finished' : `the run deadline of ${tuning.runTimeoutMs} ms passed before it finished`;

  const timeoutOutcome = (task: Task, summary: string, durationMs: number, evidence: Evidence = {}): Outcome => ({
    probe: task.probe.meta.id,
    ...(task.subject !== undefined ? { subject: task.subject } : {}),
    status: 'error',
    code: 'PROBE_TIMEOUT',
    summary,
    evidence,
    docs: task.probe.meta.docs,
    durationMs,
  });

  const execute = async (task: Task): Promise<void> => {
    if (task.state === 'done') return;
    if (runSignal.aborted) {
      finish(task, [timeoutOutcome(task, `${describeTask(task.probe.meta.id, task.subject)} did not start: ${runDeadlineText().replace(' before it finished', '')}`, 0, { started: false })]);
      return;
    }
    task.state = 'running';
    queue.push({ schemaVersion: SCHEMA_VERSION, type: 'probe-start', probe: task.probe.meta.id, ...(task.subject !== undefined ? { subject: task.subject } : {}) });
    const t0 = performance.now();
    const taskTimer = clock.deadline(tuning.probeTimeoutMs, 'probe deadline');
    const taskDeadline = taskTimer.signal;
    const signal = AbortSignal.any([runSignal, taskDeadline]);
    // A probe may have many AWS calls in flight, each listening for the abort (and the SDK's handler too).
    setMaxListeners(0, signal);
    const recorded: Record<string, unknown> = {};
    const ctx: ProbeContext = {
      config,
      where,
      env,
      ...(task.subject !== undefined ? { subject: task.subject } : {}),
      signal,
      results,
      aws: isAwsAccessRoot(aws) ? aws.forTask(signal, { pauseDeadline: clock.pause }) : aws,
      record: (evidence) => Object.assign(recorded, evidence),
      log: (message, data) => log(`[${describeTask(task.probe.meta.id, task.subject)}] ${message}${data ? ' ' + safeJson(redactDeep(data)) : ''}`),
    };
    const elapsed = () => Math.round(performance.now() - t0);
    const onTimeout = (): Outcome[] => {
      if (taskDeadline.aborted) {
        return [timeoutOutcome(task, `${describeTask(task.probe.meta.id, task.subject)} did not finish within its deadline of ${tuning.probeTimeoutMs} ms`, elapsed(), { ...flattenEvidence(recorded), deadlineMs: tuning.probeTimeoutMs })];
      }
      return [timeoutOutcome(task, `${describeTask(task.probe.meta.id, task.subject)}: ${runDeadlineText()}`, elapsed(), { ...flattenEvidence(recorded), runDeadlineMs: tuning.runTimeoutMs })];
    };
    let abortListener: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      if (signal.aborted) resolve('aborted');
      abortListener = () => resolve('aborted');
      signal.addEventListener('abort', abortListener, { once: true });
    });
    try {
      const running = Promise.resolve().then(() => task.probe.run(ctx));
      running.catch(() => {}); // a probe that rejects after its deadline must not become an unhandled rejection
      const result = await Promise.race([running, aborted]);
      if (result === 'aborted') {
        finish(task, onTimeout());
        return;
      }
      finish(task, toOutcomes(task, result, recorded, elapsed()));
    } catch (err) {
      if (signal.aborted) {
        finish(task, onTimeout());
        return;
      }
      if (isAwsCallError(err)) {
        const mapped = genericErrorFinding(err, ctx);
        if (mapped) {
          finish(task, toOutcomes(task, mapped, recorded, elapsed()));
          return;
        }
      }
      const e = err as Error;
      log(`runner: ${describeTask(task.probe.meta.id, task.subject)} threw: ${e?.stack ?? String(err)}`);
      finish(task, [crashOutcome(task.probe, task.subject, `threw ${e?.name ?? 'an error'}: ${e?.message ?? String(err)}`, elapsed())]);
    } finally {
      taskTimer.clear();
      if (abortListener) signal.removeEventListener('abort', abortListener);
    }
  };

  const toOutcomes = (task: Task, result: Finding | Finding[], recorded: Record<string, unknown>, durationMs: number): Outcome[] => {
    const findings = Array.isArray(result) ? result : [result];
    if (findings.length === 0) return [crashOutcome(task.probe, task.subject, 'returned no findings (a probe returns one OK outcome when it finds nothing)', durationMs)];
    const outcomes: Outcome[] = [];
    for (const finding of findings) {
      const problem = checkFinding(finding);
      if (problem) {
        log(`runner: ${task.probe.meta.id} returned an invalid finding: ${problem}`);
        return [crashOutcome(task.probe, task.subject, `returned an invalid finding: ${problem}`, durationMs)];
      }
      const subject = finding.subject ?? task.subject;
      const outcome: Outcome = {
        probe: task.probe.meta.id,
        ...(subject !== undefined ? { subject } : {}),
        status: finding.status ?? defaultStatus(finding.code),
        code: finding.code,
        ...(finding.causes && finding.causes.length ? { causes: [...new Set(finding.causes)] } : {}),
        summary: finding.summary,
        evidence: flattenEvidence({ ...recorded, ...(finding.evidence ?? {}) }),
        ...(finding.remedy ? { remedy: finding.remedy } : {}),
        docs: finding.docs ?? task.probe.meta.docs,
        durationMs,
      };
      outcomes.push(outcome);
    }
    return outcomes;
  };

  // Only tasks that just became ready are looked at, so a run of thousands of subjects stays linear.
  const schedule = () => {
    if (scheduling) {
      again = true;
      return;
    }
    scheduling = true;
    let next = 0;
    try {
      do {
        again = false;
        while (next < ready.length) consider(ready[next++]!);
      } while (again || next < ready.length);
    } finally {
      ready.splice(0, next);
      scheduling = false;
    }
  };
  const consider = (task: Task) => {
    if (task.state !== 'pending') return;
    if (task.planError) {
      task.state = 'queued';
      finish(task, [task.planError]);
      return;
    }
    if (task.probe.meta.podOnly && where === 'laptop') {
      task.state = 'queued';
      finish(task, [notApplicableOnLaptop(task, options.clusterCommand ?? 'gateway-doctor cluster')]);
      return;
    }
    if (task.waiting > 0) return;
    const unmet = task.needs.filter((t) => !t.outcomes.every(SATISFIES_NEED));
    if (unmet.length || task.missingNeeds.length) {
      task.state = 'queued';
      finish(task, [needsUnmetOutcome(task, unmet, task.missingNeeds)]);
      return;
    }
    task.state = 'queued';
    void limit(() => execute(task));
  };

  const onRunAbort = () => {
    // Not started yet: time ran out before they could start. Running ones end through their own race.
    for (const task of tasks) {
      if (task.state === 'pending' || task.state === 'queued') {
        finish(task, [timeoutOutcome(task, `${describeTask(task.probe.meta.id, task.subject)} did not start: ${runDeadlineText().replace(' before it finished', '')}`, 0, { started: false })]);
      }
    }
  };
  runSignal.addEventListener('abort', onRunAbort, { once: true });

  const finishRun = async () => {
    if (tasks.length === 0) resolveAll();
    else {
      // First pass: everything not waiting, plus what is decided without running (plan errors, the laptop rule).
      for (const task of tasks) if (task.waiting === 0 || task.planError || (task.probe.meta.podOnly && where === 'laptop')) ready.push(task);
      schedule();
    }
    // A cycle through subject-level needs would leave tasks pending forever: detect it when nothing runs.
    const watchdog = setInterval(() => {
      const active = tasks.some((t) => t.state === 'running' || t.state === 'queued');
      if (!active && remaining > 0) {
        for (const t of tasks) if (t.state === 'pending') finish(t, [crashOutcome(t.probe, t.subject, 'could not be scheduled: its needs/after form a cycle', 0)]);
      }
    }, 50);
    watchdog.unref();
    await allDone;
    clearInterval(watchdog);
    runDeadline.clear();
    runSignal.removeEventListener('abort', onRunAbort);
    const outcomes = reported
      .filter((r) => !r.task.previous)
      .sort((a, b) => registry.indexOf(a.outcome.probe) - registry.indexOf(b.outcome.probe) || a.task.subjectIndex - b.task.subjectIndex || a.seq - b.seq)
      .map((r) => r.outcome);
    const report: Report = {
      schemaVersion: SCHEMA_VERSION,
      tool: { ...TOOL },
      context: {
        where,
        roleArn: config.roleArn,
        ...(config.namespace !== undefined ? { namespace: config.namespace } : {}),
        ...(config.serviceAccount !== undefined ? { serviceAccount: config.serviceAccount } : {}),
        cluster: config.clusterName,
        region: config.region,
        ...(env.NODE_NAME ? { node: env.NODE_NAME } : {}),
      },
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      outcomes,
      summary: summarize(outcomes),
      exitCode: exitCodeFor(outcomes, { warnOk: options.warnOk }),
    };
    queue.push({ schemaVersion: SCHEMA_VERSION, type: 'done', report });
    queue.close();
  };
  const driver = finishRun().catch((err) => {
    log(`runner: internal error: ${(err as Error)?.stack ?? String(err)}`);
    queue.close();
    throw err;
  });

  while (true) {
    const next = await queue.next();
    if (next.done) break;
    yield next.value;
  }
  await driver;
}

/** Runs to the end and returns the report (the `done` event's). */
export async function runToReport(config: Config, options: RunOptions = {}): Promise<Report> {
  let report: Report | undefined;
  for await (const event of runProbes(config, options)) if (event.type === 'done') report = event.report;
  if (!report) throw new Error('the run ended without a report');
  return report;
}

function checkFinding(finding: Finding): string | undefined {
  if (!finding || typeof finding !== 'object') return `expected an object, got ${typeof finding}`;
  if (typeof finding.code !== 'string' || !isCode(finding.code)) return `unknown code ${JSON.stringify(finding.code)} (not in the catalog, packages/core/src/catalog/)`;
  if (finding.status !== undefined && !STATUSES.includes(finding.status as Status)) return `unknown status ${JSON.stringify(finding.status)}`;
  if (typeof finding.summary !== 'string' || finding.summary === '') return `${finding.code} has no summary`;
  if (finding.evidence !== undefined && (typeof finding.evidence !== 'object' || finding.evidence === null || Array.isArray(finding.evidence))) return `${finding.code} evidence is not a record`;
  return undefined;
}

function crashOutcome(probe: Probe, subject: string | undefined, what: string, durationMs: number): Outcome {
  return {
    probe: probe.meta.id,
    ...(subject !== undefined ? { subject } : {}),
    status: 'error',
    code: 'PROBE_CRASHED',
    summary: `${describeTask(probe.meta.id, subject)} ${what}`.split('\n')[0]!,
    evidence: {},
    docs: probe.meta.docs,
    durationMs,
  };
}

function notApplicableOnLaptop(task: Task, clusterCommand: string): Outcome {
  return {
    probe: task.probe.meta.id,
    ...(task.subject !== undefined ? { subject: task.subject } : {}),
    status: 'skip',
    code: 'NOT_APPLICABLE',
    summary: `${task.probe.meta.title}: runs in the gateway's pod, not on a laptop — run it there with \`${clusterCommand}\``,
    evidence: { where: 'laptop', podOnly: true },
    remedy: { text: "Run the probes from a pod with the gateway's ServiceAccount:", commands: [clusterCommand] },
    docs: task.probe.meta.docs,
    durationMs: 0,
  };
}

function needsUnmetOutcome(task: Task, unmet: Task[], missing: string[]): Outcome {
  const parts = [
    ...unmet.map((t) => `${describeTask(t.probe.meta.id, t.subject)}, which ${outcomeWord(t.outcomes)}`),
    ...missing.map((id) => `${id}, which was not run`),
  ];
  const unmetIds = [...new Set([...unmet.map((t) => t.probe.meta.id), ...missing])];
  const unmetCodes = [...new Set(unmet.flatMap((t) => t.outcomes.filter((o) => !SATISFIES_NEED(o)).map((o) => o.code)))];
  return {
    probe: task.probe.meta.id,
    ...(task.subject !== undefined ? { subject: task.subject } : {}),
    status: 'skip',
    code: 'NEEDS_UNMET',
    summary: `Not run: it needs ${parts.join('; ')}`,
    evidence: { unmetNeeds: unmetIds, ...(unmetCodes.length ? { unmetCodes } : {}) },
    docs: task.probe.meta.docs,
    durationMs: 0,
  };
}

/** An abort signal that fires after `ms` on a ref'd timer (so the process waits for it); `clear` when done. */
/** A ref'd-timer abort signal (so the process waits for it); `clear` when done. The run deadline uses this. */
function deadlineSignal(ms: number, what: string): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timeoutReason(what, ms)), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function timeoutReason(what: string, ms: number): Error {
  const reason = new Error(`${what} of ${ms} ms passed`);
  reason.name = 'TimeoutError';
  return reason;
}

/**
 * The probe deadlines' clock. `pause()` stops every task deadline (running ones, and ones started meanwhile)
 * until the returned resume is called; pauses nest. The AWS layer pauses while it loads an SDK client: loading
 * EC2's client evaluates megabytes of JavaScript synchronously and blocks the event loop for seconds on a busy
 * machine — our own start-up cost, not the latency a probe deadline bounds, and it stalls every probe at once.
 * The run deadline never pauses.
 */
export class DeadlineClock {
  private pauses = 0;
  private readonly active = new Set<{ remaining: number; since: number; timer?: ReturnType<typeof setTimeout>; fire(): void }>();

  /** A task deadline of `ms` of unpaused time. */
  deadline(ms: number, what: string): { signal: AbortSignal; clear(): void } {
    const controller = new AbortController();
    const entry = {
      remaining: ms,
      since: performance.now(),
      timer: undefined as ReturnType<typeof setTimeout> | undefined,
      fire: () => {
        this.active.delete(entry);
        controller.abort(timeoutReason(what, ms));
      },
    };
    this.active.add(entry);
    if (this.pauses === 0) entry.timer = setTimeout(entry.fire, ms);
    return {
      signal: controller.signal,
      clear: () => {
        if (entry.timer) clearTimeout(entry.timer);
        this.active.delete(entry);
      },
    };
  }

  pause = (): (() => void) => {
    if (this.pauses++ === 0) {
      const now = performance.now();
      for (const entry of this.active) {
        if (entry.timer) clearTimeout(entry.timer);
        entry.timer = undefined;
        entry.remaining -= now - entry.since;
      }
    }
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--this.pauses === 0) {
        const now = performance.now();
        for (const entry of this.active) {
          entry.since = now;
          entry.timer = setTimeout(entry.fire, Math.max(0, entry.remaining));
        }
      }
    };
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
