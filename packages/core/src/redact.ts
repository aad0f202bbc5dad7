// Redaction: every outcome, log line and error message passes through here before anyone sees it.
// Two layers: values registered at run time (credentials the AWS factory obtains, secrets probes read) are masked
// wherever they appear, whole or base64-encoded; and patterns catch what was never registered (secret access keys
// after their labels, session tokens, JWTs, auth headers, SecretString/SecretBinary values).
import type { Evidence, EvidenceValue } from './types.ts';

export const MASK = '[REDACTED]';

/** Values shorter than this are not registered: masking "a" or "true" everywhere would destroy the report. */
const MIN_SECRET_LENGTH = 8;

const registered = new Set<string>();
let registeredSorted: string[] = [];

/** Masks `value` (and its base64 / base64url forms) in everything redacted from now on, in this process. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  const forms = [value];
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  forms.push(b64, b64.replace(/=+$/, ''), Buffer.from(value, 'utf8').toString('base64url'));
  let changed = false;
  for (const form of forms) {
    if (form.length >= MIN_SECRET_LENGTH && !registered.has(form)) {
      registered.add(form);
      changed = true;
    }
  }
  // A multi-line secret may be quoted line by line in an error; mask its longer lines too.
  for (const line of value.split(/\r?\n/)) {
    if (line !== value && line.trim().length >= 16 && !registered.has(line)) {
      registered.add(line);
      changed = true;
    }
  }
  if (changed) registeredSorted = [...registered].sort((a, b) => b.length - a.length);
}

/** Forget every registered value (tests only). */
export function clearRegisteredSecrets(): void {
  registered.clear();
  registeredSorted = [];
}

const LABELLED_SECRET_KEY =
  /((?:secret[_-]?access[_-]?key|aws_secret_access_key|SecretAccessKey|secretKey)["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi;
const LABELLED_TOKEN =
  /((?:session[_-]?token|aws_session_token|SessionToken|security[_-]?token|"Token"|\bToken)["']?\s*[:=]\s*["']?)[^\s"',}&]{16,}/gi;
const AUTH_HEADER = /((?:^|[\s"'{,])(?:proxy-)?authorization["']?\s*[:=]\s*["']?)[^\r\n"']+/gi;
const SECURITY_TOKEN_HEADER = /(x-amz-security-token["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi;
const SECRET_VALUE_JSON = /("?(?:SecretString|SecretBinary)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^\s,}]+)/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
/** A session token is a long base64 run; 100+ characters of it never occur in anything we mean to show. */
const LONG_BASE64 = /(?<![A-Za-z0-9/+=_-])[A-Za-z0-9/+]{100,}={0,2}(?![A-Za-z0-9/+=_-])/g;

/** Masks registered values and known secret shapes in `text`. */
export function redact(text: string): string {
  if (typeof text !== 'string' || text.length === 0) return text;
  let out = text;
  for (const value of registeredSorted) {
    if (out.includes(value)) out = out.split(value).join(MASK);
  }
  out = out
    .replace(SECRET_VALUE_JSON, (_m, label: string) => `${label}"${MASK}"`)
    .replace(LABELLED_SECRET_KEY, (_m, label: string) => `${label}${MASK}`)
    .replace(LABELLED_TOKEN, (_m, label: string) => `${label}${MASK}`)
    .replace(AUTH_HEADER, (_m, label: string) => `${label}${MASK}`)
    .replace(SECURITY_TOKEN_HEADER, (_m, label: string) => `${label}${MASK}`)
    .replace(JWT, MASK)
    .replace(LONG_BASE64, MASK);
  return out;
}

function redactEvidenceValue(value: EvidenceValue): EvidenceValue {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? redact(v) : v));
  return value;
}

/** Redacts every string of a flat evidence record. */
export function redactEvidence(evidence: Evidence): Evidence {
  const out: Evidence = {};
  for (const [key, value] of Object.entries(evidence)) out[key] = redactEvidenceValue(value);
  return out;
}

/** Deep redaction of any JSON-like value (remedy policies, debug data). Keys named like secrets lose their value. */
export function redactDeep<T>(value: T, depth = 0): T {
  if (depth > 50) return value;
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (SECRET_KEY_NAMES.test(key) && v !== null && v !== undefined && v !== '') out[key] = MASK;
      else out[key] = redactDeep(v, depth + 1);
    }
    return out as T;
  }
  return value;
}

const SECRET_KEY_NAMES = /^(secretaccesskey|secret_access_key|sessiontoken|session_token|token|secretstring|secretbinary|password|authorization|x-amz-security-token)$/i;
