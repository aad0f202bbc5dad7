// The AWS stand-in's entry point (agreed with the sandbox): HTTPS on 0.0.0.0:443 for every AWS API name,
// certificates chosen by SNI, the Pod Identity agent on 169.254.170.23:80 and IMDS on 169.254.169.254:80 as
// the world's pod section says. See WORLD.md "The stand-in".
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { CredentialStore } from './credentials.ts';
import { Router } from './router.ts';
import * as registered from './services/index.ts';
import type { IssuedCredential, Principal, RequestLogEntry, ServiceModule, WorldView } from './types.ts';
import type { World } from '../world/types.ts';
import { findRole, parseRoleArn } from './iamdata.ts';
import { roleIdFor } from './credentials.ts';
import { startAgent } from './agent.ts';
import { startImds } from './imds.ts';
import { FaultPlan } from './faults.ts';

export type { RequestLogEntry, IssuedCredential, Principal, ServiceModule, StandinContext, StandinRequest } from './types.ts';
export { AwsFault } from './types.ts';

export interface StandinOptions {
  world: World | WorldView;                       // from test/world/types.ts (unit tests may pass a WorldView)
  tls: { key: string; cert: string;               // PEM for every AWS/Power BI name the world needs (SANs)
         untrusted?: { key: string; cert: string }; untrustedHosts?: string[] };
  faults?: unknown;                               // fault injection (issue 8): a world's `faults` section, see faults.ts
  /** (optional, for unit tests) more service modules, served after the registered ones */
  extraModules?: ServiceModule[];
  /** (optional, for unit tests outside the sandbox) where to listen; port 0 = any free port.
   *  Default: https 0.0.0.0:443, agent 169.254.170.23:80, imds 169.254.169.254:80. */
  listen?: {
    https?: { host?: string; port?: number };
    agent?: { host?: string; port?: number } | false;
    imds?: { host?: string; port?: number } | false;
  };
}

export interface Standin {
  close(): Promise<void>;
  requests: RequestLogEntry[];                    // every request: time, service, operation, callerArn, accessKeyId, decision, httpStatus, errorCode
  issued: Array<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; arn: string; via: string }>;
  harnessCredentials: { accessKeyId: string; secretAccessKey: string };   // test-only calls, logged apart
  /** (additional) the ports actually bound, for listen overrides with port 0 */
  ports: { https: number; agent?: number; imds?: number };
  /** (additional) the router, for in-process tests */
  router: Router;
  /** (additional) long-term AKIA keys for pod.injected static-keys: an IAM user ARN, or a role ARN whose
   *  policies the keys then carry (logged as via 'static'). Listed in `issued`. */
  issueStaticKeys(arn: string): { accessKeyId: string; secretAccessKey: string };
}

function listen(server: HttpServer | HttpsServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: HttpServer | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as any).closeAllConnections?.();
  });
}

export async function startStandin(opts: StandinOptions): Promise<Standin> {
  const world = opts.world as WorldView;
  const store = new CredentialStore(world.account);
  const requests: RequestLogEntry[] = [];
  const modules = [...(Object.values(registered) as ServiceModule[]), ...(opts.extraModules ?? [])];
  const faults = opts.faults === undefined ? undefined : new FaultPlan(opts.faults);
  const router = new Router({ world, store, log: requests, modules, faults });

  const trusted = createSecureContext({ key: opts.tls.key, cert: opts.tls.cert });
  const untrusted: SecureContext | undefined = opts.tls.untrusted
    ? createSecureContext({ key: opts.tls.untrusted.key, cert: opts.tls.untrusted.cert }) : undefined;
  const untrustedHosts = new Set((opts.tls.untrustedHosts ?? []).map((h) => h.toLowerCase()));
  const https = createHttpsServer({
    key: opts.tls.key, cert: opts.tls.cert,
    SNICallback: (servername, cb) => cb(null, untrusted && untrustedHosts.has(servername.toLowerCase()) ? untrusted : trusted),
  }, (req, res) => { router.handle(req, res).catch((e) => { console.error('[standin]', e); res.destroy(); }); });
  https.keepAliveTimeout = 5000;

  const servers: Array<HttpServer | HttpsServer> = [];
  const ports: Standin['ports'] = { https: 0 };
  try {
    ports.https = await listen(https, opts.listen?.https?.host ?? '0.0.0.0', opts.listen?.https?.port ?? 443);
    servers.push(https);
    const pod = world.pod ?? {};
    const agentMode = pod.agent ?? 'running';
    if (opts.listen?.agent !== false && agentMode !== 'absent' && agentMode !== 'blocked') {
      const server = startAgent({ world, store, log: requests, router, faults });
      ports.agent = await listen(server, opts.listen?.agent?.host ?? '169.254.170.23', opts.listen?.agent?.port ?? 80);
      servers.push(server);
    }
    const imdsMode = pod.imds ?? 'blocked';
    if (opts.listen?.imds !== false && imdsMode !== 'absent') {
      const server = startImds({ world, store, log: requests });
      ports.imds = await listen(server, opts.listen?.imds?.host ?? '169.254.169.254', opts.listen?.imds?.port ?? 80);
      servers.push(server);
    }
  } catch (e) {
    await Promise.all(servers.map(closeServer));
    throw e;
  }

  return {
    requests,
    issued: store.issued as IssuedCredential[],
    harnessCredentials: store.harness,
    ports,
    router,
    issueStaticKeys: (arn: string) => {
      const role = parseRoleArn(arn);
      const principal: Principal = role
        ? {
          kind: 'assumed-role', arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/static`, roleArn: arn,
          roleId: findRole(world, arn)?.RoleId ?? roleIdFor(arn), accountId: role.account, sessionName: 'static',
          tags: {}, transitiveTagKeys: [], via: 'static', chained: false, expiration: new Date(Date.now() + 365 * 86400_000),
        }
        : {
          kind: 'user', arn, roleArn: '', roleId: 'AIDA' + roleIdFor(arn).slice(4), accountId: arn.split(':')[4] || world.account,
          sessionName: '', tags: {}, transitiveTagKeys: [], via: 'static', chained: false, expiration: new Date(Date.now() + 365 * 86400_000),
        };
      const c = store.issue(principal, { static: true });
      return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
    },
    close: async () => { await Promise.all(servers.map(closeServer)); },
  };
}
