// TCP reach, one address at a time. Never `net.connect` with a hostname: with several addresses Node's
// happy-eyeballs (autoSelectFamily) gives each only 250 ms and reports a slow first address as an empty
// AggregateError (nodejs/node#54359). We connect to every address separately with our own deadline, then
// hold the connection 200 ms to catch a peer that accepts and immediately resets.
import net from 'node:net';

export type TcpKind = 'connected' | 'timeout' | 'refused' | 'host-unreachable' | 'net-unreachable' | 'reset' | 'error';

export interface TcpResult {
  address: string;
  port: number;
  kind: TcpKind;
  /** Time to the connect (or to the failure), ms. */
  elapsedMs: number;
  errorCode?: string;
}

export interface TcpOptions {
  timeoutMs: number;
  /** How long to hold an accepted connection watching for a reset (ms). */
  resetWaitMs?: number;
  signal?: AbortSignal;
}

export function classifySocketError(code: string | undefined): TcpKind {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
      return 'host-unreachable';
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return 'net-unreachable';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    default:
      return 'error';
  }
}

export function probeAddress(address: string, port: number, opts: TcpOptions): Promise<TcpResult> {
  const resetWaitMs = opts.resetWaitMs ?? 200;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<TcpResult>((resolve) => {
    let done = false;
    let connectedAt: number | undefined;
    const family = net.isIPv6(address) ? 6 : 4;
    const socket = net.connect({ host: address, port, family, autoSelectFamily: false });
    const finish = (kind: TcpKind, errorCode?: string) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(hold);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve({ address, port, kind, elapsedMs: connectedAt ?? elapsed(), ...(errorCode ? { errorCode } : {}) });
    };
    const onAbort = () => finish(connectedAt === undefined ? 'timeout' : 'connected', 'ABORTED');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) return onAbort();
    // On a lagging event loop the deadline timer can fire in the same turn as an already-completed connect
    // (timers run before I/O callbacks): give pending I/O one pass (setImmediate runs after it) before calling
    // it a timeout, so load never turns a connection into a false TCP_TIMEOUT.
    const deadline = setTimeout(() => setImmediate(() => { if (connectedAt === undefined) finish('timeout'); }), opts.timeoutMs);
    let hold: NodeJS.Timeout | undefined;
    socket.once('connect', () => {
      connectedAt = elapsed();
      clearTimeout(deadline);
      hold = setTimeout(() => finish('connected'), resetWaitMs);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const kind = connectedAt === undefined ? classifySocketError(e.code) : e.code === 'ECONNRESET' || e.code === 'EPIPE' ? 'reset' : 'error';
      finish(kind, e.code);
    });
    // A peer closing cleanly right after accepting is not a reset; the connection was made.
    socket.on('close', () => finish(connectedAt === undefined ? 'error' : 'connected', connectedAt === undefined ? 'CLOSED' : undefined));
  });
}

/** All addresses in parallel, each with its own deadline. */
export function probeAddresses(addresses: string[], port: number, opts: TcpOptions): Promise<TcpResult[]> {
  return Promise.all(addresses.map((a) => probeAddress(a, port, opts)));
}

/** Slow: an address connected but needed at least this long (the first SYN was lost and retransmitted). */
export const SLOW_CONNECT_MS = 1000;
