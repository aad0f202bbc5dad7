// Runs INSIDE the pod sandbox (see fidelity.test.ts): one read per registered service and protocol with the
// harness key, made by the JS SDK and by Debian's AWS CLI 2.9, plus each protocol's answer to an unknown key.
// Prints, per call, both outputs normalised the same way (no $metadata; timestamps as epoch seconds; IAM's
// URL-encoded policy documents decoded, as the CLI does; pagination tokens dropped) as one JSON line.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);
const region = process.env.AWS_REGION ?? 'us-east-1';
const [accessKeyId, secretAccessKey, callsJson] = process.argv.slice(2);
const coreRequire = createRequire(new URL('../../packages/core/package.json', import.meta.url));

const CLIENTS: Record<string, [string, string]> = {
  sts: ['@aws-sdk/client-sts', 'STSClient'],
  iam: ['@aws-sdk/client-iam', 'IAMClient'],
  ec2: ['@aws-sdk/client-ec2', 'EC2Client'],
  eks: ['@aws-sdk/client-eks', 'EKSClient'],
  secretsmanager: ['@aws-sdk/client-secrets-manager', 'SecretsManagerClient'],
  redshift: ['@aws-sdk/client-redshift', 'RedshiftClient'],
  rds: ['@aws-sdk/client-rds', 'RDSClient'],
  kms: ['@aws-sdk/client-kms', 'KMSClient'],
  cloudtrail: ['@aws-sdk/client-cloudtrail', 'CloudTrailClient'],
  athena: ['@aws-sdk/client-athena', 'AthenaClient'],
};

export interface Call { service: string; op: string; params?: Record<string, string>; unknownKey?: boolean }
interface Side { ok: boolean; output?: unknown; code?: string; message?: string }

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const DROP = new Set(['$metadata', 'IsTruncated', 'Truncated', 'Marker', 'NextToken', 'nextToken', 'NextMarker']);

export function normalise(v: unknown): unknown {
  if (v instanceof Date) return Math.round(v.getTime() / 1000);
  if (typeof v === 'string') {
    if (ISO.test(v)) return Math.round(Date.parse(v) / 1000);
    if (v.startsWith('%7B')) { try { return JSON.parse(decodeURIComponent(v)); } catch { return v; } }
    return v;
  }
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!DROP.has(k) && x !== undefined) out[k] = normalise(x);
    return out;
  }
  return v;
}

const creds = (call: Call) => (call.unknownKey
  ? { accessKeyId: 'AKIAUNKNOWNSTANDIN00', secretAccessKey: 'x'.repeat(40) }
  : { accessKeyId, secretAccessKey });

async function sdk(call: Call): Promise<Side> {
  const [pkg, clientName] = CLIENTS[call.service];
  const mod = coreRequire(pkg);
  const client = new mod[clientName]({ region, credentials: creds(call), maxAttempts: 1 });
  try {
    const out = await client.send(new mod[`${call.op}Command`](call.params ?? {}));
    return { ok: true, output: normalise(out) };
  } catch (e: any) {
    return { ok: false, code: e.Code ?? e.__type ?? e.name, message: e.message };
  }
}

async function cli(call: Call): Promise<Side> {
  const args = [call.service, kebab(call.op), ...Object.entries(call.params ?? {}).flatMap(([k, v]) => [`--${kebab(k)}`, v]), '--output', 'json'];
  const c = creds(call);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', AWS_CA_BUNDLE: process.env.AWS_CA_BUNDLE ?? '',
    AWS_DEFAULT_REGION: region, AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1', AWS_STS_REGIONAL_ENDPOINTS: 'regional',
  };
  try {
    const { stdout } = await run('/usr/bin/aws', args, { env, timeout: 60_000 });
    return { ok: true, output: normalise(stdout.trim() ? JSON.parse(stdout) : {}) };
  } catch (e: any) {
    const m = /An error occurred \(([^)]+)\) when calling the \w+ operation(?: \(reached max retries: \d+\))?: (.*)/s.exec(String(e.stderr ?? ''));
    return m ? { ok: false, code: m[1], message: m[2].trim() } : { ok: false, code: 'CLI_FAILED', message: String(e.stderr ?? e.message).slice(0, 500) };
  }
}

const calls: Call[] = JSON.parse(callsJson);
const out: Array<{ call: Call; sdk: Side; cli: Side }> = new Array(calls.length);
// A few CLI processes at a time: each one spends most of its ~2 s starting Python.
let next = 0;
await Promise.all(Array.from({ length: 4 }, async () => {
  while (next < calls.length) {
    const i = next++;
    out[i] = { call: calls[i], sdk: await sdk(calls[i]), cli: await cli(calls[i]) };
  }
}));
process.stdout.write(JSON.stringify(out) + '\n');
