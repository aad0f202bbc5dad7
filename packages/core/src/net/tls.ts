// Egress to an external endpoint: TCP to each address (tcp.ts), then a TLS handshake on the connected socket
// with SNI = the name and the process's trust store (Node's bundled CAs plus NODE_EXTRA_CA_CERTS). The
// certificate is checked by hand after the handshake so that a failure can say who presented what.
import tls from 'node:tls';
import net from 'node:net';
import { classifySocketError, type TcpKind } from './tcp.ts';

export type TlsKind = 'ok' | 'untrusted' | 'name-mismatch' | 'handshake-failed' | 'handshake-timeout';

export interface EgressResult {
  address: string;
  port: number;
  tcp: TcpKind;
  connectMs: number;
  tls?: TlsKind;
  tlsMs?: number;
  tlsError?: string;
  /** Subject CN / issuer CN of the certificate presented (never key material). */
  peerSubject?: string;
  peerIssuer?: string;
  errorCode?: string;
}

export interface EgressOptions {
  timeoutMs: number;
  handshakeTimeoutMs?: number;
  signal?: AbortSignal;
  /** Extra trust (tests); default: the process's CAs. */
  ca?: string | string[];
}

export function probeEgress(address: string, servername: string, port: number, opts: EgressOptions): Promise<EgressResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<EgressResult>((resolve) => {
    let done = false;
    let connectMs = -1;
    let tlsStarted = 0;
    let secure: tls.TLSSocket | undefined;
    const raw = net.connect({ host: address, port, family: net.isIPv6(address) ? 6 : 4, autoSelectFamily: false });
    const finish = (r: Omit<EgressResult, 'address' | 'port' | 'connectMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const s of [secure, raw]) {
        if (!s) continue;
        s.removeAllListeners();
        s.on('error', () => {});
        s.destroy();
      }
      resolve({ address, port, connectMs: connectMs >= 0 ? connectMs : elapsed(), ...r });
    };
    const onTimeout = () =>
      connectMs < 0
        ? finish({ tcp: 'timeout' })
        : finish({ tcp: 'connected', tls: 'handshake-timeout', tlsMs: elapsed() - tlsStarted });
    // As in tcp.ts: let I/O that already completed run before a lagging timer decides.
    const onTimer = () => {
      const inTcpPhase = connectMs < 0;
      setImmediate(() => {
        if (inTcpPhase && connectMs >= 0) return; // connected meanwhile: the handshake has its own timer
        onTimeout();
      });
    };
    const onAbort = () => onTimeout();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let timer = setTimeout(onTimer, opts.timeoutMs);
    raw.on('error', (e: NodeJS.ErrnoException) => finish({ tcp: classifySocketError(e.code), errorCode: e.code }));
    raw.once('connect', () => {
      connectMs = elapsed();
      tlsStarted = connectMs;
      clearTimeout(timer);
      timer = setTimeout(onTimer, opts.handshakeTimeoutMs ?? opts.timeoutMs);
      raw.removeAllListeners('error');
      secure = tls.connect({ socket: raw, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...(opts.ca ? { ca: opts.ca } : {}) });
      secure.on('error', (e: NodeJS.ErrnoException) =>
        finish({ tcp: 'connected', tls: 'handshake-failed', tlsMs: elapsed() - tlsStarted, tlsError: e.code ?? e.message, errorCode: e.code }),
      );
      secure.once('secureConnect', () => {
        const s = secure!;
        const cert = s.getPeerCertificate();
        const cn = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(",") : v);
        const peer = { peerSubject: cn(cert?.subject?.CN), peerIssuer: cn(cert?.issuer?.CN) };
        const tlsMs = elapsed() - tlsStarted;
        if (!s.authorized) {
          // Node folds the host-name check into authorization: tell "not for this name" from "not trusted".
          const code = String(s.authorizationError);
          return finish({ tcp: 'connected', tls: code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'name-mismatch' : 'untrusted', tlsMs, tlsError: code, ...peer });
        }
        const nameError = tls.checkServerIdentity(servername, cert);
        if (nameError) return finish({ tcp: 'connected', tls: 'name-mismatch', tlsMs, tlsError: nameError.message, ...peer });
        finish({ tcp: 'connected', tls: 'ok', tlsMs, ...peer });
      });
    });
  });
}
