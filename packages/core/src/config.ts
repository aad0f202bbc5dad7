// The config: one zod schema (the fields of a world's `gateway` section, WORLD.md, plus `region` and `podIp`) and
// the loader that merges its sources. Later wins: AWS_DEFAULT_REGION < AWS_REGION < the YAML file (--config) <
// env GATEWAY_DOCTOR_<FIELD> < flags --<field>. In a pod, namespace and serviceAccount default to POD_NAMESPACE and
// the projected token's subject. Every problem is reported as `<path>: <message>`; nothing here prints or exits.
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { parseDocument } from 'yaml';
import type { Config, Where } from './types.ts';

export class ConfigError extends Error {
  readonly problems: { path: string; message: string }[];
  constructor(problems: { path: string; message: string }[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError || (err instanceof Error && err.name === 'ConfigError' && 'problems' in err);
}

export const DEFAULT_OPTIONS = { probeTimeoutMs: 5000, connectTimeoutMs: 3000, runTimeoutMs: 60000, concurrency: 16 } as const;
export const DEFAULT_EXTERNAL = ['sts', 'secretsmanager'] as const;
export const DEFAULT_SESSION_TAGS = { 'gateway-doctor': 'probe' } as const;
export const EXTERNAL_NAMES = ['sts', 'sts-global', 'secretsmanager', 'athena', 's3', 'powerbi'] as const;
/** Largest config file we read: anything bigger is not a config. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const PARTITION = '(?:aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc)';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}';
const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`);
const SECRET_ARN = new RegExp(`^arn:${PARTITION}:secretsmanager:${REGION}:\\d{12}:secret:[\\w/+=.@!*?-]{1,512}$`);
const REGION_RE = new RegExp(`^${REGION}$`);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

/** Account ids are 12-digit strings; an unquoted YAML number is accepted only when no leading zero was lost. */
const accountId = z.union([z.string(), z.number()], { error: (issue) => (issue.input === undefined ? 'required' : `must be a 12-digit account id (a quoted string), got ${describe(issue.input)}`) }).transform((value, ctx) => {
  const text = typeof value === 'number' ? String(value) : value;
  if (!/^\d{12}$/.test(text)) {
    ctx.addIssue({
      code: 'custom',
      message:
        typeof value === 'number'
          ? `must be a 12-digit account id; quote it ("${String(value).padStart(12, '0')}"?): an unquoted number loses leading zeros`
          : `must be a 12-digit account id, got ${JSON.stringify(text)}`,
    });
    return z.NEVER;
  }
  return text;
});

const port = z
  .number({ error: (issue) => (issue.input === undefined ? 'required' : `must be a number, got ${JSON.stringify(issue.input)}`) })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const str = (what: string) => z.string({ error: (issue) => (issue.input === undefined ? 'required' : `must be ${what}, got ${describe(issue.input)}`) });

/** zod's type word with its article ("an array", "a mapping"); Infinity/NaN/null stand alone. */
function kindWord(word: string): string {
  if (['Infinity', 'NaN', 'null', 'undefined'].includes(word)) return word;
  const w = word === 'object' ? 'mapping' : word;
  return /^[aeiou]/.test(w) ? `an ${w}` : `a ${w}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const targetSchema = z
  .strictObject({
    name: str('a name').min(1, 'must not be empty').max(128, 'at most 128 characters').regex(/^[\w.-]+$/, 'only letters, digits, ".", "-" and "_"'),
    host: str('a host name or address').regex(HOSTNAME, 'must be a host name or IPv4 address').optional(),
    port: port.optional(),
    redshiftClusterId: str('a cluster identifier').regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a Redshift cluster identifier (lowercase letters, digits, hyphens)').optional(),
    securityGroupIds: z.array(str('a security group id').regex(/^sg-[0-9a-z]+$/, 'must be a security group id (sg-...)')).optional(),
  })
  .superRefine((target, ctx) => {
    if (!target.host && !target.redshiftClusterId) ctx.addIssue({ code: 'custom', message: 'needs host (with port) or redshiftClusterId' });
    if (target.host && target.redshiftClusterId) ctx.addIssue({ code: 'custom', message: 'give host or redshiftClusterId, not both' });
    if (target.host && target.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'required with host' });
  });

const optionsSchema = z
  .strictObject({
    probeTimeoutMs: z.number().int('must be a whole number').min(1, 'must be between 1 and 600000').max(600_000, 'must be between 1 and 600000').default(DEFAULT_OPTIONS.probeTimeoutMs),
    connectTimeoutMs: z.number().int('must be a whole number').min(1, 'must be between 1 and 600000').max(600_000, 'must be between 1 and 600000').default(DEFAULT_OPTIONS.connectTimeoutMs),
    runTimeoutMs: z.number().int('must be a whole number').min(1, 'must be between 1 and 3600000').max(3_600_000, 'must be between 1 and 3600000').default(DEFAULT_OPTIONS.runTimeoutMs),
    concurrency: z.number().int('must be a whole number').min(1, 'must be between 1 and 1024').max(1024, 'must be between 1 and 1024').default(DEFAULT_OPTIONS.concurrency),
    output: z.enum(['text', 'ndjson']).optional(),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    region: str('an AWS region').regex(REGION_RE, 'must be an AWS region like us-east-1'),
    roleArn: str('an IAM role ARN').regex(ROLE_ARN, 'must be an IAM role ARN like arn:aws:iam::111122223333:role/ai-gateway'),
    platformAccountId: accountId,
    organizationId: str('the ExternalId the platform sends')
      .min(2, 'must be 2 to 1224 characters')
      .max(1224, 'must be 2 to 1224 characters')
      .regex(/^[\w+=,.@:/-]+$/, 'may contain only letters, digits and +=,.@:/-_ (the ExternalId character set)'),
    clusterName: str('an EKS cluster name').regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'must be an EKS cluster name'),
    namespace: str('a Kubernetes namespace').regex(DNS_LABEL, 'must be a Kubernetes namespace name (lowercase DNS label)').optional(),
    serviceAccount: str('a ServiceAccount name').regex(DNS_SUBDOMAIN, 'must be a Kubernetes ServiceAccount name').optional(),
    secrets: z
      .array(str('a secret ARN').regex(SECRET_ARN, 'must be a Secrets Manager secret ARN like arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/x-AbCdEf'))
      .default([]),
    targets: z.array(targetSchema).default([]),
    external: z.array(z.enum(EXTERNAL_NAMES, { error: (i) => `must be one of ${EXTERNAL_NAMES.join(', ')}, got ${describe(i.input)}` })).default([...DEFAULT_EXTERNAL]),
    athenaWorkGroups: z.array(str('a workgroup name').regex(/^[\w.-]{1,128}$/, 'must be an Athena workgroup name')).default([]),
    sessionDurationSeconds: z.number().int('must be a whole number').min(900, 'must be between 900 and 43200').max(43200, 'must be between 900 and 43200').default(3600),
    sessionTags: z
      .record(
        z.string().min(1).max(128, 'tag keys are at most 128 characters').regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, 'not a valid session tag key'),
        z.string({ error: 'tag values must be strings' }).max(256, 'tag values are at most 256 characters'),
      )
      .refine((tags) => Object.keys(tags).length <= 50, 'at most 50 session tags')
      .default({ ...DEFAULT_SESSION_TAGS }),
    options: optionsSchema,
    podIp: str('an IP address').refine((v) => IPV4.test(v) || (v.includes(':') && IPV6.test(v)), 'must be an IPv4 or IPv6 address').optional(),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.targets.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `duplicate target name ${JSON.stringify(t.name)}` });
      seen.add(t.name);
    });
    const secrets = new Set<string>();
    config.secrets.forEach((s, i) => {
      if (secrets.has(s)) ctx.addIssue({ code: 'custom', path: ['secrets', i], message: 'listed twice' });
      secrets.add(s);
    });
  });

/** The config fields, in schema order, with how env and flags spell them. */
type FieldKind = 'string' | 'number' | 'list' | 'json';
const FIELD_KINDS: Record<keyof Config, FieldKind> = {
  region: 'string',
  roleArn: 'string',
  platformAccountId: 'string',
  organizationId: 'string',
  clusterName: 'string',
  namespace: 'string',
  serviceAccount: 'string',
  secrets: 'list',
  targets: 'json',
  external: 'list',
  athenaWorkGroups: 'list',
  sessionDurationSeconds: 'number',
  sessionTags: 'json',
  options: 'json',
  podIp: 'string',
};
export const CONFIG_FIELDS = Object.keys(FIELD_KINDS) as (keyof Config)[];
const OPTION_FIELDS = ['probeTimeoutMs', 'connectTimeoutMs', 'runTimeoutMs', 'concurrency', 'output'] as const;

export const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const upperSnake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** Flags (kebab case) that set config fields: `--role-arn`, …, and the run options `--probe-timeout-ms`, …. */
export const CONFIG_FLAGS: ReadonlyMap<string, { field: string; option?: boolean }> = new Map([
  ...Object.keys(FIELD_KINDS).map((f) => [kebab(f), { field: f }] as const),
  ...OPTION_FIELDS.map((f) => [kebab(f), { field: f, option: true }] as const),
]);

/** GATEWAY_DOCTOR_* variables that are not config fields (read by the CLI and the Job themselves). */
export const RESERVED_ENV = new Set([
  'GATEWAY_DOCTOR_CONFIG',
  'GATEWAY_DOCTOR_TERMINATION_LOG',
  'GATEWAY_DOCTOR_DEBUG',
  'GATEWAY_DOCTOR_WHERE',
  'GATEWAY_DOCTOR_FORMAT',
  'GATEWAY_DOCTOR_JOB_NO_AUTORUN',
  'GATEWAY_DOCTOR_FIRST_FRAME_MARK',
  // the test harness's own (never meant for the product, but harmless if they leak through)
  'GATEWAY_DOCTOR_SANDBOX_KEEP',
  'GATEWAY_DOCTOR_WORLDS',
  'GATEWAY_DOCTOR_OUTER_CANARY',
]);

export interface LoadConfigOptions {
  /** Path of the YAML file (`--config`). */
  file?: string;
  /** YAML text instead of a file (tests, the Job). `source` names it in messages. */
  text?: string;
  source?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Flag values by kebab name without dashes (`role-arn`), as strings (lists: repeated or comma-separated). */
  flags?: Record<string, string | string[]>;
  /** Pod defaults (namespace, serviceAccount) apply only in a pod. */
  where?: Where;
  /** Tests: read the token file. */
  readFile?: (path: string) => string;
}

type Problem = { path: string; message: string };
type Raw = Record<string, unknown>;

function yamlSource(text: string, source: string, problems: Problem[]): Raw {
  if (text.includes('\u0000')) {
    problems.push({ path: source, message: 'is not a text file (contains NUL bytes)' });
    return {};
  }
  if (text.trim() === '') {
    problems.push({ path: source, message: 'is empty: expected a mapping of config fields (roleArn, region, ...)' });
    return {};
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    for (const err of doc.errors.slice(0, 10)) {
      const pos = err.linePos?.[0];
      problems.push({ path: pos ? `${source}:${pos.line}:${pos.col}` : source, message: `YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` });
    }
    return {};
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    problems.push({ path: source, message: `YAML: ${(err as Error).message.split('\n')[0]}` });
    return {};
  }
  if (value === null || value === undefined) {
    problems.push({ path: source, message: 'is empty: expected a mapping of config fields (roleArn, region, ...)' });
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ path: source, message: `must be a mapping of config fields, got ${describe(value)}` });
    return {};
  }
  return value as Raw;
}

/** Turns a string from env or a flag into the field's type; leaves it a string when it does not parse, so the
 *  schema reports it with its path. */
function fromString(field: string, kind: FieldKind, value: string | string[], where: string, problems: Problem[]): unknown {
  const values = Array.isArray(value) ? value : [value];
  const last = values[values.length - 1] ?? '';
  switch (kind) {
    case 'string':
      return last;
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(last.trim()) ? Number(last.trim()) : last;
    case 'list':
      return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
    case 'json': {
      if (field === 'sessionTags' && /^[^{[]/.test(last.trim()) && last.includes('=')) {
        // `--session-tags a=b,c=d` is friendlier than JSON on a command line.
        return Object.fromEntries(last.split(',').map((kv) => { const i = kv.indexOf('='); return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()]; }));
      }
      try {
        return JSON.parse(last);
      } catch (err) {
        problems.push({ path: `${field} (${where})`, message: `must be JSON: ${(err as Error).message}` });
        return undefined;
      }
    }
  }
}

function decodeJwtSubject(token: string): string | undefined {
  const parts = token.trim().split('.');
  if (parts.length < 2) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}

/** Namespace and ServiceAccount as a pod knows them: POD_NAMESPACE and the projected token's `sub`. */
export function podIdentityDefaults(env: Readonly<Record<string, string | undefined>>, readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): { namespace?: string; serviceAccount?: string } {
  const out: { namespace?: string; serviceAccount?: string } = {};
  const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE || env.AWS_WEB_IDENTITY_TOKEN_FILE;
  if (tokenFile) {
    try {
      const sub = decodeJwtSubject(readFile(tokenFile));
      const m = sub?.match(/^system:serviceaccount:([^:]+):([^:]+)$/);
      if (m) {
        out.namespace = m[1];
        out.serviceAccount = m[2];
      }
    } catch {
      // Unreadable token: identity.env reports it; the config just has no default.
    }
  }
  if (env.POD_NAMESPACE) out.namespace = env.POD_NAMESPACE;
  return out;
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    // A very long key (a bad tag key) is shortened: the path must stay readable.
    const text = String(part).length > 40 ? `${String(part).slice(0, 20)}…` : String(part);
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${text}` : text;
  }
  return out || '(config)';
}

/** Validates an already-merged raw config. Throws ConfigError. */
export function parseConfig(raw: unknown, extraProblems: Problem[] = []): Config {
  const result = configSchema.safeParse(raw);
  const problems = [...extraProblems];
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        // a wrong file (a shell env file, /etc/passwd, a manifest) has many: name a few, not every line of it
        const MAX_UNKNOWN = 8;
        for (const key of issue.keys.slice(0, MAX_UNKNOWN)) problems.push({ path: pathOf([...issue.path, key]), message: 'unknown field' });
        if (issue.keys.length > MAX_UNKNOWN)
          problems.push({ path: pathOf(issue.path), message: `${issue.keys.length - MAX_UNKNOWN} more unknown fields (${issue.keys.length} in all): is this a gateway-doctor config? The fields are listed in the README's Configuration section` });
      } else if (issue.code === 'invalid_key') {
        const inner = (issue as { issues?: { message: string }[] }).issues?.[0]?.message;
        problems.push({ path: pathOf(issue.path), message: inner ?? 'not a valid key' });
      } else if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
        const field = pathOf(issue.path);
        problems.push({ path: field, message: field === 'region' ? 'required (set region in the config, --region, or AWS_REGION)' : 'required' });
      } else {
        const field = pathOf(issue.path);
        if (field === 'region' && issue.message === 'required') problems.push({ path: field, message: 'required (set region in the config, --region, or AWS_REGION)' });
        else problems.push({ path: field, message: issue.message.replace(/^Invalid input: expected (\w+), received (\w+)$/, (_, expected: string, received: string) => `must be ${kindWord(expected)}, got ${kindWord(received)}`) });
      }
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return result.data as Config;
}

/** Merges the sources (file, env, flags; see the file header) and validates. Throws ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const problems: Problem[] = [];
  const layers: Raw[] = [];

  // Lowest: ambient region, then pod defaults.
  const ambient: Raw = {};
  if (env.AWS_DEFAULT_REGION) ambient.region = env.AWS_DEFAULT_REGION;
  if (env.AWS_REGION) ambient.region = env.AWS_REGION;
  if (options.where === 'pod') Object.assign(ambient, podIdentityDefaults(env, options.readFile));
  layers.push(ambient);

  if (options.file !== undefined || options.text !== undefined) {
    const source = options.source ?? options.file ?? 'config';
    let text = options.text;
    if (text === undefined) {
      try {
        const size = statSync(options.file!).size;
        if (size > MAX_CONFIG_BYTES) problems.push({ path: source, message: `is ${size} bytes; a config is at most ${MAX_CONFIG_BYTES} bytes` });
        else text = readFileSync(options.file!, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        problems.push({ path: source, message: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? (err as Error).message})` });
      }
    } else if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
      problems.push({ path: source, message: `is larger than ${MAX_CONFIG_BYTES} bytes` });
      text = undefined;
    }
    if (text !== undefined) layers.push(yamlSource(text, source, problems));
  }

  const envLayer: Raw = {};
  const envOptions: Raw = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('GATEWAY_DOCTOR_') || value === undefined || RESERVED_ENV.has(name)) continue;
    const key = name.slice('GATEWAY_DOCTOR_'.length);
    const field = (Object.keys(FIELD_KINDS) as (keyof Config)[]).find((f) => upperSnake(f) === key);
    const option = OPTION_FIELDS.find((f) => upperSnake(f) === key);
    if (field) {
      const parsed = fromString(field, FIELD_KINDS[field], value, name, problems);
      if (parsed !== undefined) envLayer[field] = parsed;
    } else if (option) {
      envOptions[option] = option === 'output' ? value : fromString(option, 'number', value, name, problems);
    } else {
      problems.push({ path: name, message: `unknown setting (config fields are GATEWAY_DOCTOR_${Object.keys(FIELD_KINDS).map(upperSnake).slice(0, 3).join(', GATEWAY_DOCTOR_')}, ...)` });
    }
  }
  if (Object.keys(envOptions).length) envLayer.options = { ...((envLayer.options as Raw) ?? {}), ...envOptions };
  layers.push(envLayer);

  const flagLayer: Raw = {};
  const flagOptions: Raw = {};
  for (const [flag, value] of Object.entries(options.flags ?? {})) {
    const spec = CONFIG_FLAGS.get(flag);
    if (!spec) {
      problems.push({ path: `--${flag}`, message: 'unknown flag' });
      continue;
    }
    if (spec.option) {
      const last = Array.isArray(value) ? value[value.length - 1]! : value;
      flagOptions[spec.field] = spec.field === 'output' ? last : fromString(spec.field, 'number', last, `--${flag}`, problems);
    } else {
      const parsed = fromString(spec.field, FIELD_KINDS[spec.field as keyof Config], value, `--${flag}`, problems);
      if (parsed !== undefined) flagLayer[spec.field] = parsed;
    }
  }
  if (Object.keys(flagOptions).length) flagLayer.options = { ...((flagLayer.options as Raw) ?? {}), ...flagOptions };
  layers.push(flagLayer);

  if (problems.some((p) => !p.path.startsWith('GATEWAY_DOCTOR_') && !p.path.startsWith('--'))) {
    // The file itself is unreadable or not YAML: field checks on the rest would only add noise.
    throw new ConfigError(problems);
  }

  const merged: Raw = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (key === 'options' && value && typeof value === 'object' && !Array.isArray(value) && merged.options && typeof merged.options === 'object' && !Array.isArray(merged.options)) {
        merged.options = { ...(merged.options as Raw), ...(value as Raw) };
      } else {
        merged[key] = value;
      }
    }
  }
  return parseConfig(merged, problems);
}
