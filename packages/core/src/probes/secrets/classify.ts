// Pure parts of the secrets probes: parsing Secrets Manager ARNs, classifying GetSecretValue's errors, describing
// a secret value without revealing it, and the naming rules of secrets.layout. No AWS here: table-tested.
import type { AwsCallErrorInfo, Evidence } from '../../types.ts';

export interface SecretArn {
  partition: string;
  region: string;
  accountId: string;
  /** The part after `secret:` as configured (may carry the 6-character suffix, or a pattern). */
  resource: string;
  /** The secret's name: `resource` without the 6-character suffix when one is present. */
  name: string;
  /** `-AbCdEf`, when the ARN ends with a suffix of that shape (a name like `db-secret` is ambiguous). */
  suffix?: string;
  isPattern: boolean;
}

const SECRET_ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
const SUFFIX = /-[A-Za-z0-9]{6}$/;

export function parseSecretArn(arn: string): SecretArn | undefined {
  const m = SECRET_ARN.exec(arn);
  if (!m) return undefined;
  const [, partition, region, accountId, resource] = m;
  const isPattern = /[*?]/.test(resource);
  const suffix = !isPattern && SUFFIX.test(resource) ? resource.slice(-7) : undefined;
  const name = suffix ? resource.slice(0, -7) : resource;
  return { partition, region, accountId, resource, name, suffix, isPattern };
}

/** The IAM Resource that matches exactly this secret and no other: the name plus `-??????`. */
export function suffixPattern(arn: SecretArn): string {
  return `arn:${arn.partition}:secretsmanager:${arn.region}:${arn.accountId}:secret:${arn.name}-??????`;
}

export type SecretErrorKind =
  | 'access-denied'
  | 'kms-denied'
  | 'decryption-failure'
  | 'not-found'
  | 'scheduled-for-deletion'
  | 'unreachable'
  | 'other';

/** Which policy an AccessDenied message says refused the read (AWS's wording since 2023). */
export type DeniedBy =
  | 'identity-policy'
  | 'identity-policy-deny'
  | 'resource-policy'
  | 'resource-policy-deny'
  | 'permissions-boundary'
  | 'scp'
  | 'rcp'
  | 'unknown';

export function classifySecretError(info: AwsCallErrorInfo): SecretErrorKind {
  const code = info.awsCode ?? '';
  const message = info.message ?? '';
  if (info.kind === 'unreachable') return 'unreachable';
  if (/access to kms is not allowed/i.test(message)) return 'kms-denied';
  if (code === 'DecryptionFailure') return 'decryption-failure';
  if (code === 'ResourceNotFoundException') return 'not-found';
  if (code === 'InvalidRequestException' && /marked for deletion/i.test(message)) return 'scheduled-for-deletion';
  if (code === 'AccessDeniedException' || code === 'AccessDenied' || info.kind === 'denied') return 'access-denied';
  return 'other';
}

export function deniedBy(message: string): DeniedBy {
  const m = message.toLowerCase();
  if (m.includes('explicit deny in a resource-based policy')) return 'resource-policy-deny';
  if (m.includes('no resource-based policy allows')) return 'resource-policy';
  if (m.includes('explicit deny in an identity-based policy')) return 'identity-policy-deny';
  if (m.includes('no identity-based policy allows')) return 'identity-policy';
  if (m.includes('permissions boundary')) return 'permissions-boundary';
  if (m.includes('resource control policy')) return 'rcp';
  if (m.includes('service control policy')) return 'scp';
  return 'unknown';
}

/**
 * What may be said about a secret value: its size and, for a JSON object, how many keys it has. Never the
 * value, never key names (they can be sensitive: `password_for_x`).
 */
export function describeSecretValue(value: { SecretString?: string; SecretBinary?: Uint8Array }): Evidence {
  if (typeof value.SecretString === 'string') {
    const evidence: Evidence = { valueType: 'string', byteLength: Buffer.byteLength(value.SecretString, 'utf8') };
    const keys = jsonKeyCount(value.SecretString);
    if (keys !== undefined) {
      evidence.valueType = 'json';
      evidence.jsonKeyCount = keys;
    }
    return evidence;
  }
  if (value.SecretBinary) return { valueType: 'binary', byteLength: value.SecretBinary.byteLength };
  return { valueType: 'empty', byteLength: 0 };
}

function jsonKeyCount(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return Object.keys(parsed).length;
  } catch {
    // not JSON: a plain string secret
  }
  return undefined;
}

/**
 * Every string a secret value could show up as in output, so the redactor can mask it: the value itself, its
 * JSON leaves (a fragment must not leak either), and the base64 form of a binary.
 */
export function secretFragments(value: { SecretString?: string; SecretBinary?: Uint8Array }): string[] {
  const out = new Set<string>();
  if (typeof value.SecretString === 'string' && value.SecretString.length > 0) {
    out.add(value.SecretString);
    try {
      collectLeaves(JSON.parse(value.SecretString), out);
    } catch {
      // plain string
    }
  }
  if (value.SecretBinary && value.SecretBinary.byteLength > 0) {
    const buf = Buffer.from(value.SecretBinary);
    out.add(buf.toString('base64'));
    const text = buf.toString('utf8');
    if (!text.includes('\uFFFD')) out.add(text);
  }
  // Very short leaves (`1`, `true`) would mask ordinary words everywhere; they are not worth hiding alone.
  return [...out].filter((s) => s.length >= 4);
}

function collectLeaves(v: unknown, out: Set<string>): void {
  if (typeof v === 'string') out.add(v);
  else if (typeof v === 'number') out.add(String(v));
  else if (Array.isArray(v)) v.forEach((x) => collectLeaves(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => collectLeaves(x, out));
}

// ---- secrets.layout ----

export const ENVIRONMENTS = ['prod', 'production', 'staging', 'stage', 'dev', 'development', 'test', 'qa', 'sandbox'];

export interface LayoutIssue {
  kind: 'pattern' | 'no-environment-prefix' | 'not-an-arn';
  /** Suggested names (or ARN forms) to use instead. */
  suggestions: string[];
  explains: string;
}

/**
 * The layout rules: a configured secret is one ARN (not a pattern: the gateway reads exactly the secrets it was
 * given), named `<prefix>/<environment>/<name>` so IAM and resource policies can scope per environment.
 * `defaultPrefix` is used when the name has no prefix of its own (the role's name is a good one).
 */
export function layoutIssues(configured: string, defaultPrefix: string): LayoutIssue[] {
  const arn = parseSecretArn(configured);
  if (!arn) {
    return [
      {
        kind: 'not-an-arn',
        suggestions: [],
        explains: `"${configured}" is not a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>)`,
      },
    ];
  }
  const issues: LayoutIssue[] = [];
  const segments = arn.name.split('/').filter((s) => s.length > 0);
  const leaf = (segments[segments.length - 1] ?? 'secret').replace(/[*?]/g, '') || 'secret';
  if (arn.isPattern) {
    const base = `arn:${arn.partition}:secretsmanager:${arn.region}:${arn.accountId}:secret:`;
    issues.push({
      kind: 'pattern',
      suggestions: [`${base}${arn.name.replace(/-?[*?]+$/, '').replace(/[*?]/g, '') || leaf}-<suffix>`],
      explains:
        'the config names a pattern; list each secret by its full ARN (with the 6-character suffix) so the probe reads exactly what the gateway reads',
    });
  }
  const envIndex = segments.findIndex((s, i) => i < segments.length - 1 && ENVIRONMENTS.includes(s.toLowerCase()));
  if (envIndex < 0) {
    const prefix = segments.length > 1 ? segments[0] : defaultPrefix;
    const rest = segments.length > 1 ? segments.slice(1).join('/') : leaf;
    issues.push({
      kind: 'no-environment-prefix',
      suggestions: [`${prefix}/prod/${rest}`, `${prefix}/staging/${rest}`],
      explains: `"${arn.name}" has no environment segment (<prefix>/prod/…, <prefix>/staging/…): policies cannot keep staging from reading production secrets`,
    });
  }
  return issues;
}
