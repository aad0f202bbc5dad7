// Name resolution as the pod sees it. The c-ares resolver (`dns.promises.Resolver`) with its own timeout and
// tries, cancellable; then `dns.lookup` (getaddrinfo: /etc/hosts, nsswitch — what net.connect would use) only as
// a bounded second opinion: it runs on libuv's 4-thread pool and cannot be cancelled, so it is raced against a
// timer and its late answer is dropped, never awaited.
import dns from 'node:dns';

export type DnsKind = 'ok' | 'nxdomain' | 'servfail' | 'timeout';

export interface DnsResult {
  name: string;
  kind: DnsKind;
  /** Every address found (resolver first, then lookup's extras). */
  addresses: string[];
  resolverAddresses: string[];
  lookupAddresses: string[] | null;
  /** The resolver's error code (ENOTFOUND, ENODATA, ESERVFAIL, ETIMEOUT, ...), when it failed. */
  resolverError?: string;
  lookupError?: string;
  /** 'resolver' when c-ares answered, 'lookup' when only getaddrinfo did (e.g. /etc/hosts). */
  answeredBy?: 'resolver' | 'lookup';
  elapsedMs: number;
}

export interface ResolveOptions {
  /** Per-try timeout of the resolver (ms). */
  timeoutMs?: number;
  tries?: number;
  /** Upper bound for the dns.lookup second opinion (ms). */
  lookupBoundMs?: number;
  signal?: AbortSignal;
  /** Resolver servers (tests); default: the system's resolv.conf. */
  servers?: string[];
}

const NXDOMAIN = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);
const TIMEOUT = new Set(['ETIMEOUT', 'ECONNREFUSED', 'TIMEOUT', 'CONNREFUSED', 'ECANCELLED', 'CANCELLED']);

export function classifyResolverError(code: string | undefined): DnsKind {
  if (code && NXDOMAIN.has(code)) return 'nxdomain';
  if (code && TIMEOUT.has(code)) return 'timeout';
  return 'servfail'; // ESERVFAIL, EREFUSED, EBADRESP, EFORMERR, ...
}

// getaddrinfo blocks one of libuv's 4 threads until it answers (for a silent resolver: timeout × attempts × search
// domains). Never let second opinions hold more than two of them: the SDK's own connections need the pool too.
const MAX_INFLIGHT_LOOKUPS = 2;
let inflightLookups = 0;

async function lookupBounded(name: string, boundMs: number): Promise<{ addresses?: string[]; error?: string }> {
  if (boundMs <= 0) return { error: 'SKIPPED' };
  if (inflightLookups >= MAX_INFLIGHT_LOOKUPS) return { error: 'SKIPPED_POOL_BUSY' };
  inflightLookups++;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ error: 'BOUND_EXCEEDED' }), boundMs);
    timer.unref?.();
  });
  const lookup = dns.promises
    .lookup(name, { all: true, family: 4 })
    .then((list) => ({ addresses: list.map((a) => a.address) }))
    .catch((e: NodeJS.ErrnoException) => ({ error: String(e.code ?? e.message) }))
    .finally(() => inflightLookups--);
  try {
    return await Promise.race([lookup, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function resolveName(name: string, opts: ResolveOptions = {}): Promise<DnsResult> {
  const started = performance.now();
  const resolver = new dns.promises.Resolver({ timeout: opts.timeoutMs ?? 1500, tries: opts.tries ?? 2 });
  if (opts.servers) resolver.setServers(opts.servers);
  const onAbort = () => resolver.cancel();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let resolverAddresses: string[] = [];
  let resolverError: string | undefined;
  try {
    resolverAddresses = await resolver.resolve4(name);
  } catch (e) {
    resolverError = String((e as NodeJS.ErrnoException).code ?? 'ERROR');
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  // The second opinion: bounded; skipped when the resolver timed out (getaddrinfo would sit on a pool thread for
  // as long, answering nothing new). It catches what c-ares does not read: /etc/hosts, search domains.
  const bound = resolverError && classifyResolverError(resolverError) === 'timeout' ? 0 : opts.lookupBoundMs ?? 1000;
  const second = opts.signal?.aborted ? { error: 'ABORTED' } : await lookupBounded(name, bound);
  const lookupAddresses = second.addresses ?? null;
  const addresses = [...new Set([...resolverAddresses, ...(lookupAddresses ?? [])])];
  const elapsedMs = Math.round(performance.now() - started);
  const common = { name, resolverAddresses, lookupAddresses, resolverError, lookupError: second.error, elapsedMs };
  if (resolverAddresses.length) return { ...common, kind: 'ok', addresses, answeredBy: 'resolver' };
  if (lookupAddresses?.length) return { ...common, kind: 'ok', addresses, answeredBy: 'lookup' };
  return { ...common, kind: classifyResolverError(resolverError), addresses: [] };
}
