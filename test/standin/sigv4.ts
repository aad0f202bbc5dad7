// SigV4 verification, written from the spec
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html):
// canonical request -> string to sign -> signing key -> signature, compared with what the client sent.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string; // YYYYMMDD
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export interface SigningInput {
  method: string;
  /** the raw request target as received: path plus optional ?query */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type SigV4Failure =
  | { kind: 'missing'; message: string }
  | { kind: 'malformed'; message: string }
  | { kind: 'mismatch'; message: string; canonicalRequest: string; stringToSign: string };

const sha256hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

export function parseAuthorization(header: string | undefined): ParsedAuthorization | SigV4Failure {
  if (!header) return { kind: 'missing', message: 'Request is missing Authentication Token' };
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  if (!m) return { kind: 'malformed', message: `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.` };
  const parts: Record<string, string> = {};
  for (const piece of m[1].split(',')) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    parts[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
  }
  const cred = parts.Credential?.split('/');
  if (!cred || cred.length !== 5 || cred[4] !== 'aws4_request' || !parts.SignedHeaders || !parts.Signature) {
    return { kind: 'malformed', message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.` };
  }
  return {
    accessKeyId: cred[0], date: cred[1], region: cred[2], service: cred[3],
    signedHeaders: parts.SignedHeaders.split(';').map((h) => h.toLowerCase()),
    signature: parts.Signature,
  };
}

export function isFailure(x: ParsedAuthorization | SigV4Failure): x is SigV4Failure {
  return 'kind' in x;
}

/** RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else %XX (upper case). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s.replace(/\+/g, '%20')); } catch { return s; }
}

/** The path as the SDKs canonicalise it for every service but S3: normalised, each segment encoded again. */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop(); else segments.push(seg);
  }
  const joined = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return uriEncode(joined).replace(/%2F/g, '/') || '/';
}

export function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (k.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([uriEncode(k), uriEncode(v)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(headers: SigningInput['headers'], name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

export function payloadHash(input: SigningInput): string {
  return headerValue(input.headers, 'x-amz-content-sha256') ?? sha256hex(input.body);
}

export function buildCanonicalRequest(input: SigningInput, signedHeaders: string[]): string {
  const q = input.url.indexOf('?');
  const rawPath = q < 0 ? input.url : input.url.slice(0, q);
  const rawQuery = q < 0 ? '' : input.url.slice(q + 1);
  const canonicalHeaders = signedHeaders
    .map((h) => `${h}:${(headerValue(input.headers, h) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  return [
    input.method.toUpperCase(),
    canonicalPath(rawPath),
    canonicalQuery(rawQuery),
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash(input),
  ].join('\n');
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac('AWS4' + secretAccessKey, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

export function computeSignature(input: SigningInput, auth: ParsedAuthorization, secretAccessKey: string) {
  const canonicalRequest = buildCanonicalRequest(input, auth.signedHeaders);
  const amzDate = headerValue(input.headers, 'x-amz-date') ?? '';
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(secretAccessKey, auth.date, auth.region, auth.service))
    .update(stringToSign, 'utf8').digest('hex');
  return { canonicalRequest, stringToSign, signature };
}

/** Verify a parsed Authorization against the secret. Returns undefined when the signature is good. */
export function verifySignature(input: SigningInput, auth: ParsedAuthorization, secretAccessKey: string): SigV4Failure | undefined {
  if (!auth.signedHeaders.includes('host')) {
    return { kind: 'malformed', message: `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.` };
  }
  const amzDate = headerValue(input.headers, 'x-amz-date');
  if (!amzDate || !amzDate.startsWith(auth.date)) {
    return { kind: 'malformed', message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${(amzDate ?? '').slice(0, 8)}', from '${amzDate ?? ''}'.` };
  }
  const declared = headerValue(input.headers, 'x-amz-content-sha256');
  if (declared && declared !== 'UNSIGNED-PAYLOAD' && !declared.startsWith('STREAMING-') && declared !== sha256hex(input.body)) {
    return { kind: 'mismatch', message: 'The provided x-amz-content-sha256 header does not match what was computed.', canonicalRequest: '', stringToSign: '' };
  }
  const { canonicalRequest, stringToSign, signature } = computeSignature(input, auth, secretAccessKey);
  const a = Buffer.from(signature, 'utf8');
  const b = Buffer.from(auth.signature, 'utf8');
  if (a.length === b.length && timingSafeEqual(a, b)) return undefined;
  return {
    kind: 'mismatch',
    message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    canonicalRequest, stringToSign,
  };
}

/** x-amz-date (20261203T101500Z) -> Date */
export function parseAmzDate(s: string | undefined): Date | undefined {
  const m = s && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}
