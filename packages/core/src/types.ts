// The shared vocabulary of gateway-doctor: outcomes, probes, the context a probe runs in, events and reports.
// Every package codes against these types; DESIGN.md and CATALOG.md (in ../shared) are their prose form.

export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'error';
export const STATUSES: readonly Status[] = ['pass', 'warn', 'fail', 'skip', 'error'];

/** Evidence is flat: scalars or arrays of scalars. Never a secret value, a session token or a secret key. */
export type EvidenceScalar = string | number | boolean | null;
export type EvidenceValue = EvidenceScalar | EvidenceScalar[];
export type Evidence = Record<string, EvidenceValue>;

/** Exact, copy-pasteable fix. Commands are kept apart from prose (brew doctor's shape). */
export interface Remedy {
  text: string;
  commands?: string[];
  /** A policy document or statement (JSON) to paste. */
  policy?: unknown;
}

export interface Outcome {
  probe: string;
  subject?: string;
  status: Status;
  code: string;
  /** Root-cause codes established by other probes (or by this one's analysis). */
  causes?: string[];
  summary: string;
  evidence: Evidence;
  remedy?: Remedy;
  docs?: string;
  durationMs: number;
}

/** What a probe's `run` returns: an Outcome without the fields the runner fills in. */
export interface Finding {
  subject?: string;
  status?: Status; // defaults to the code's status in the catalog
  code: string;
  causes?: string[];
  summary: string;
  evidence?: Evidence;
  remedy?: Remedy;
  docs?: string;
}

export type Area = 'identity' | 'policy' | 'secrets' | 'audit' | 'network' | 'services' | 'eks';
/** Registry order of areas (CATALOG.md's order). */
export const AREAS: readonly Area[] = ['identity', 'policy', 'secrets', 'audit', 'network', 'services', 'eks'];

export type Where = 'pod' | 'laptop';

/** One subject of a per-subject probe, with needs/after that apply to that subject only (added to meta's). */
export interface SubjectSpec {
  subject: string;
  needs?: string[];
  after?: string[];
}

export interface ProbeMeta {
  id: string;
  title: string;
  area: Area;
  /** Probe ids that must succeed first (pass, warn, or skip NOT_APPLICABLE); else skipped NEEDS_UNMET. */
  needs?: string[];
  /** Probe ids waited for, never required: their outcomes become `causes`. */
  after?: string[];
  docs: string;
  /** Only meaningful inside a pod: on a laptop the runner emits skip NOT_APPLICABLE naming `gateway-doctor cluster`. */
  podOnly?: boolean;
  /**
   * Per-subject probes list their subjects from the config (never from other probes' results), in config order.
   * The runner runs `run` once per subject with `ctx.subject` set and a deadline per subject.
   * A need/after on another per-subject probe binds to the same subject when that probe has it, else to all of it.
   */
  subjects?: (config: Config) => SubjectSpec[];
}

export interface Probe {
  meta: ProbeMeta;
  run(ctx: ProbeContext): Promise<Finding | Finding[]>;
}

export type ServiceId =
  | 'sts'
  | 'iam'
  | 'ec2'
  | 'eks'
  | 'redshift'
  | 'rds'
  | 'secretsmanager'
  | 'kms'
  | 'athena'
  | 'cloudtrail';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface AwsCallOptions {
  /** Defaults to config.region. */
  region?: string;
  /** Defaults to the shared default-chain credentials. */
  credentials?: AwsCredentials;
}

/**
 * AWS access for probes. Clients are imported lazily per service, share the default-chain credentials, honour
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, and carry the read-only guard. Errors are thrown as AwsCallError.
 */
export interface AwsAccess {
  /** `call('sts', 'GetCallerIdentity', {})` — operation is the API name without `Command`. */
  call<O = any>(service: ServiceId, operation: string, input: object, options?: AwsCallOptions): Promise<O>;
  /** The default chain's credentials (what the gateway itself gets). Throws AwsCallError kind 'credentials'. */
  credentials(): Promise<AwsCredentials>;
}

export type AwsErrorKind =
  | 'denied' // AccessDenied / AccessDeniedException / UnauthorizedOperation / ...
  | 'not-found'
  | 'throttled'
  | 'server' // 5xx
  | 'malformed' // unparseable body
  | 'unreachable' // connect refused / timed out / DNS failure to the API endpoint
  | 'timeout' // accepted, no answer within the deadline
  | 'credentials' // the chain produced no credentials
  | 'refused-by-guard' // the read-only guard stopped it before sending
  | 'client'; // any other 4xx

/** Normalised AWS error; `message` is redacted. */
export interface AwsCallErrorInfo {
  service: ServiceId;
  operation: string;
  kind: AwsErrorKind;
  /** AWS's error code (e.g. AccessDenied, ValidationError, ResourceNotFoundException) or the Node error code. */
  awsCode?: string;
  message: string;
  httpStatus?: number;
  requestId?: string;
}

export interface ResultsView {
  /** Outcomes of a finished probe (all subjects, or one). Empty when it has not run. */
  get(probeId: string, subject?: string): Outcome[];
  /** Codes (and causes) of non-pass outcomes of the given probes — handy to fill `causes`. */
  failureCodes(probeIds: string[], subject?: string): string[];
}

export interface ProbeContext {
  config: Config;
  where: Where;
  /** A snapshot of the process environment the run started with. */
  env: Readonly<Record<string, string | undefined>>;
  subject?: string;
  /** The probe's (per subject) deadline combined with the run's. */
  signal: AbortSignal;
  results: ResultsView;
  aws: AwsAccess;
  /** Adds to the outcome's evidence (redacted). */
  record(evidence: Evidence): void;
  /** Debug log (stderr with --debug), redacted. */
  log(message: string, data?: Record<string, unknown>): void;
}

// ---- configuration (the fields of a world's `gateway` section plus `region`; schema in config.ts) ----

export type ExternalName = 'sts' | 'sts-global' | 'secretsmanager' | 'athena' | 's3' | 'powerbi';

export interface Target {
  name: string;
  host?: string;
  port?: number;
  redshiftClusterId?: string;
  securityGroupIds?: string[];
}

export interface RunTuning {
  probeTimeoutMs: number;
  connectTimeoutMs: number;
  runTimeoutMs: number;
  concurrency: number;
  /** The Job's stdout: text for people reading `kubectl logs`, ndjson for `gateway-doctor cluster`. */
  output?: 'text' | 'ndjson';
}

export interface Config {
  region: string;
  roleArn: string;
  platformAccountId: string;
  organizationId: string;
  clusterName: string;
  namespace?: string;
  serviceAccount?: string;
  secrets: string[];
  targets: Target[];
  external: ExternalName[];
  athenaWorkGroups: string[];
  sessionDurationSeconds: number;
  sessionTags: Record<string, string>;
  options: RunTuning;
  /** Laptop mode: the pod address the static network probes reason about. */
  podIp?: string;
}

export interface RunOptions {
  /** Overrides detection (DESIGN.md "Where it runs"). */
  where?: Where;
  env?: Record<string, string | undefined>;
  /** Only these probe ids (and nothing else). */
  only?: string[];
  signal?: AbortSignal;
  /** Debug log sink; receives redacted lines. */
  debug?: (line: string) => void;
  /** Injected for tests/embedding; defaults to the real lazy SDK access. */
  aws?: AwsAccess;
  /** `--warn-ok`: the report's exitCode 4 becomes 0 (engine). */
  warnOk?: boolean;
  /** Outcomes of an earlier run standing in for probes not selected by `only` (needs/after/results), e.g. a TUI re-run (engine). */
  previous?: Outcome[];
  /** Probes to run instead of the registry (tests/embedding); validated like the registry (engine). */
  probes?: Probe[];
  /** The command a laptop NOT_APPLICABLE remedy names (default `gateway-doctor cluster`); the CLI adds its `--config FILE`. */
  clusterCommand?: string;
}

// ---- events and reports ----

export interface ReportContext {
  where: Where;
  roleArn: string;
  namespace?: string;
  serviceAccount?: string;
  cluster: string;
  region: string;
  node?: string;
}

export interface Summary {
  pass: number;
  warn: number;
  fail: number;
  skip: number;
  error: number;
}

export interface Report {
  schemaVersion: 1;
  tool: { name: string; version: string };
  context: ReportContext;
  startedAt: string;
  durationMs: number;
  outcomes: Outcome[];
  summary: Summary;
  exitCode: number;
}

export type RunEvent =
  | { schemaVersion: 1; type: 'probe-start'; probe: string; subject?: string }
  | { schemaVersion: 1; type: 'outcome'; outcome: Outcome }
  | { schemaVersion: 1; type: 'done'; report: Report };

/** Exit codes (DESIGN.md). */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  FAIL: 3,
  WARN: 4,
  UNDECIDED: 5,
} as const;
