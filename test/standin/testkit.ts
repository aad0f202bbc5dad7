// Helpers for the stand-in's own unit tests: a throwaway CA + server certificate (openssl CLI) that also
// covers 127.0.0.1, a stand-in bound to loopback on free ports, and SDK clients aimed at it. Only loopback
// is ever contacted. End-to-end tests go through the sandbox (test/sandbox) instead.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, type Standin } from './index.ts';
import type { ServiceModule, WorldView } from './types.ts';

export interface TestTls { ca: string; key: string; cert: string }

let cachedTls: TestTls | undefined;

export function makeTestTls(names: string[] = ['*.us-east-1.amazonaws.com', 'sts.amazonaws.com', 'iam.amazonaws.com', 'localhost']): TestTls {
  if (cachedTls) return cachedTls;
  const dir = mkdtempSync(join(tmpdir(), 'standin-tls-'));
  try {
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=standin test CA']);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=standin']);
    const san = ['IP:127.0.0.1', ...names.map((n) => `DNS:${n}`)].join(',');
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
    run(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext.cnf']);
    cachedTls = {
      ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
      key: readFileSync(join(dir, 'srv.key'), 'utf8'),
      cert: readFileSync(join(dir, 'srv.pem'), 'utf8'),
    };
    return cachedTls;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A stand-in on 127.0.0.1 with free ports for https, the agent and IMDS. */
export async function startLoopbackStandin(world: WorldView, extraModules: ServiceModule[] = []): Promise<Standin & { tls: TestTls; endpoint: string; agentUrl: string; imdsUrl: string }> {
  const tls = makeTestTls();
  const s = await startStandin({
    world, tls: { key: tls.key, cert: tls.cert }, extraModules,
    listen: { https: { host: '127.0.0.1', port: 0 }, agent: { host: '127.0.0.1', port: 0 }, imds: { host: '127.0.0.1', port: 0 } },
  });
  return Object.assign(s, {
    tls,
    endpoint: `https://127.0.0.1:${s.ports.https}`,
    agentUrl: `http://127.0.0.1:${s.ports.agent}`,
    imdsUrl: `http://127.0.0.1:${s.ports.imds}`,
  });
}

/** An agent that trusts the test CA and resolves every name to 127.0.0.1, so a client may use AWS's real
 *  host names (https://sts.us-east-1.amazonaws.com:PORT) and still only ever reach loopback. */
export function httpsAgentFor(tls: TestTls): HttpsAgent {
  const lookup = (_host: string, opts: any, cb: any) => {
    const callback = typeof opts === 'function' ? opts : cb;
    if (opts && typeof opts === 'object' && opts.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  return new HttpsAgent({ ca: tls.ca, keepAlive: false, lookup: lookup as any });
}

/** The endpoint URL for a service on the loopback stand-in, by its real host name. */
export function endpointFor(s: { ports: { https: number } }, host: string): string {
  return `https://${host}:${s.ports.https}`;
}

/** A JWT-shaped Pod Identity token (unsigned: the stand-in, like the agent, parses without verifying). */
export function podToken(opts: { namespace: string; serviceAccount: string; podName?: string; podUid?: string; exp?: number }): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return [
    b64({ alg: 'RS256', kid: 'standin' }),
    b64({
      aud: ['pods.eks.amazonaws.com'], exp: opts.exp ?? now + 3600, iat: now, iss: 'https://oidc.eks.us-east-1.amazonaws.com/id/STANDIN',
      sub: `system:serviceaccount:${opts.namespace}:${opts.serviceAccount}`,
      'kubernetes.io': {
        namespace: opts.namespace,
        pod: { name: opts.podName ?? 'pod-0', uid: opts.podUid ?? '11111111-2222-3333-4444-555555555555' },
        serviceaccount: { name: opts.serviceAccount, uid: '66666666-7777-8888-9999-000000000000' },
      },
    }),
    'c2lnbmF0dXJl',
  ].join('.');
}
