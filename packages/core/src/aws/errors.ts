// AWS call errors, normalised: whatever the SDK, the HTTP handler, Node's sockets or the credential chain throw
// becomes one AwsCallError whose `info.kind` says what it means for a diagnosis. Messages are redacted here.
import type { AwsCallErrorInfo, AwsErrorKind, ServiceId } from '../types.ts';
import { redact } from '../redact.ts';

export class AwsCallError extends Error {
  readonly info: AwsCallErrorInfo;
  // No `cause`: the original error can hold raw bodies and headers, and util.inspect would print them.
  constructor(info: AwsCallErrorInfo) {
    const redacted = { ...info, message: redact(info.message) };
    super(`${info.service}:${info.operation}: ${redacted.awsCode ? redacted.awsCode + ': ' : ''}${redacted.message}`);
    this.name = 'AwsCallError';
    this.info = redacted;
  }
}

export function isAwsCallError(err: unknown): err is AwsCallError {
  return err instanceof AwsCallError || (err instanceof Error && err.name === 'AwsCallError' && 'info' in err);
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
]);

const DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'UnauthorizedAccess',
  'AuthorizationError',
  'AuthorizationErrorException',
  'NotAuthorized',
  'NotAuthorizedException',
  'Forbidden',
  'ForbiddenException',
]);

/** Node socket / DNS errors meaning the endpoint could not be reached at all: a finding, not an error. */
export const UNREACHABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);

/** Errors after a connection was made: the peer misbehaved, the tool could not decide. */
const PEER_FAULT_NODE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'HPE_INVALID_CONSTANT']);

const TLS_CODE = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/;

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  errno?: number;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  $response?: { statusCode?: number; headers?: Record<string, string> };
  Code?: string;
  cause?: unknown;
  errors?: unknown[];
}

function asErrorLike(err: unknown): ErrorLike {
  if (err && typeof err === 'object') return err as ErrorLike;
  return { message: String(err) };
}

/** Node errors nest: AggregateError(errors[]) from happy eyeballs, `cause` from fetch-like wrappers. */
function nodeCodeOf(e: ErrorLike, depth = 0): string | undefined {
  if (depth > 4) return undefined;
  if (typeof e.code === 'string' && /^E[A-Z_]+$|^ERR_|^HPE_|^CERT_|^UNABLE_TO_|^DEPTH_ZERO_|^SELF_SIGNED_/.test(e.code)) return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = nodeCodeOf(asErrorLike(inner), depth + 1);
      if (code) return code;
    }
  }
  if (e.cause) return nodeCodeOf(asErrorLike(e.cause), depth + 1);
  return undefined;
}

function messageOf(e: ErrorLike): string {
  // Anything can be thrown: only strings count as a message or a name (fuzzing found `{ name: 0 }`).
  let message = typeof e.message === 'string' && e.message ? e.message : typeof e.name === 'string' ? e.name : 'unknown error';
  if (!message && Array.isArray(e.errors) && e.errors.length) message = messageOf(asErrorLike(e.errors[0]));
  // The SDK's deserialisation hint is noise for a user; keep the first line only.
  return message.split('\n')[0]!.trim() || 'unknown error';
}

/** Maps anything thrown by an AWS SDK call to a normalised, redacted error description. */
export function classifyAwsError(err: unknown, service: ServiceId, operation: string): AwsCallErrorInfo {
  if (isAwsCallError(err)) return err.info;
  const e = asErrorLike(err);
  const name = typeof e.name === 'string' ? e.name : '';
  const message = messageOf(e);
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const httpStatus = typeof status === 'number' ? status : undefined;
  const requestId = typeof e.$metadata?.requestId === 'string' ? e.$metadata.requestId : undefined;
  const base = { service, operation, message: redact(message), ...(httpStatus ? { httpStatus } : {}), ...(requestId ? { requestId } : {}) };
  const make = (kind: AwsErrorKind, awsCode?: string): AwsCallErrorInfo => ({ ...base, kind, ...(awsCode ? { awsCode } : {}) });

  if (name === 'AbortError' || e.code === 'ABORT_ERR') return make('timeout', 'AbortError');
  if (name === 'CredentialsProviderError' || name === 'ProviderError' || name === 'TokenProviderError') {
    return make('credentials', name);
  }

  const nodeCode = nodeCodeOf(e);
  if (name === 'TimeoutError') {
    // The handler's connect deadline: nothing answered the SYN in time — unreachable. Otherwise the peer accepted
    // and then said nothing within the request deadline — timeout.
    if (/did not establish a connection|without establishing a connection/i.test(message)) return make('unreachable', 'ConnectTimeout');
    if (nodeCode && nodeCode !== 'ETIMEDOUT' && PEER_FAULT_NODE_CODES.has(nodeCode)) return make('server', nodeCode);
    if (nodeCode === 'ETIMEDOUT' && !/requestTimeout|inactivity|Stream timed out/i.test(message)) return make('unreachable', nodeCode);
    return make('timeout', 'RequestTimeout');
  }

  const isServiceException = e.$fault === 'client' || e.$fault === 'server' || (httpStatus !== undefined && !!e.$metadata && name !== 'Error' && name !== 'SyntaxError' && !/Deserialization error/i.test(e.message ?? ''));
  if (isServiceException) {
    const code = e.Code ?? name;
    if (THROTTLING_CODES.has(code) || httpStatus === 429) return make('throttled', code);
    if (code === 'Unknown' || code === 'UnknownError') {
      return make(httpStatus !== undefined && httpStatus >= 500 ? 'server' : 'malformed', code);
    }
    if (httpStatus !== undefined && httpStatus >= 500) return make('server', code);
    if (e.$fault === 'server' && httpStatus === undefined) return make('server', code);
    if (DENIED_CODES.has(code) || httpStatus === 403 && !/Signature|Token|Credential/i.test(code)) return make('denied', code);
    if (/NotFound|NoSuchEntity|NoSuch[A-Z]/.test(code) || httpStatus === 404) return make('not-found', code);
    return make('client', code);
  }

  if (nodeCode) {
    if (UNREACHABLE_NODE_CODES.has(nodeCode)) return make('unreachable', nodeCode);
    if (PEER_FAULT_NODE_CODES.has(nodeCode)) return make('server', nodeCode);
    if (TLS_CODE.test(nodeCode)) return make('unreachable', nodeCode);
  }
  if (/socket hang up/i.test(message)) return make('server', 'ECONNRESET');
  if (e.$response || /Deserialization error|Unexpected token|Unexpected end|not valid JSON|Invalid XML|Non-whitespace|Unclosed|Expected/i.test(e.message ?? '') || name === 'SyntaxError') {
    return make('malformed', 'MalformedResponse');
  }
  return make('client', name && name !== 'Error' ? name : undefined);
}

/** Wraps anything thrown into an AwsCallError (keeping an AwsCallError as it is). */
export function toAwsCallError(err: unknown, service: ServiceId, operation: string): AwsCallError {
  if (isAwsCallError(err)) return err;
  return new AwsCallError(classifyAwsError(err, service, operation));
}
