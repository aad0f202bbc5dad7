// IMDS on 169.254.169.254:80, as the pod sees it (pod.imds):
//   node-role  IMDS answers the pod (v1 allowed, or hop limit >= 2): token PUT, the role list and the node
//              role's credentials (a session named like the instance id), the identity document;
//   blocked    tokens required + hop limit 1: the connection is accepted but no answer ever arrives;
//   absent     not listening (startStandin does not start this server).
import { createServer, type Server } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { CredentialStore } from './credentials.ts';
import { newRequestId, roleIdFor } from './credentials.ts';
import { findRole, parseRoleArn } from './iamdata.ts';
import { isoSeconds } from './codecs/xml.ts';
import type { IssuedCredential, Principal, RequestLogEntry, WorldView } from './types.ts';

export interface ImdsDeps {
  world: WorldView;
  store: CredentialStore;
  log: RequestLogEntry[];
}

export function instanceIdFor(world: WorldView): string {
  const h = createHash('sha256').update(`${world.account}/${world.pod?.nodeName ?? 'node'}`).digest('hex');
  return 'i-0' + h.slice(0, 16);
}

export function startImds(deps: ImdsDeps): Server {
  const { world, store, log } = deps;
  const mode: string = world.pod?.imds ?? 'blocked';
  const tokens = new Set<string>();
  const instanceId = instanceIdFor(world);
  const nodeRoleArn: string | undefined = world.pod?.nodeRoleArn;
  const roleName = nodeRoleArn ? parseRoleArn(nodeRoleArn)?.name : undefined;
  let cached: (IssuedCredential & { expiration: Date }) | undefined;

  function nodeCredentials() {
    if (cached && cached.expiration.getTime() - Date.now() > 15 * 60_000) return cached;
    const parsed = parseRoleArn(nodeRoleArn!)!;
    const role = findRole(world, nodeRoleArn!);
    const principal: Principal = {
      kind: 'assumed-role', arn: `arn:aws:sts::${parsed.account}:assumed-role/${parsed.name}/${instanceId}`,
      roleArn: nodeRoleArn!, roleId: role?.RoleId ?? roleIdFor(nodeRoleArn!), accountId: parsed.account,
      sessionName: instanceId, tags: {}, transitiveTagKeys: [], via: 'imds',
      expiration: new Date(Date.now() + 6 * 3600_000), chained: false,
    };
    cached = store.issue(principal);
    return cached;
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, (m) => (m ? '/' : ''));
    const entry: RequestLogEntry = {
      time: new Date().toISOString(), service: 'imds', operation: `${req.method} ${path}`, callerArn: '', accessKeyId: '',
      decision: 'allow', httpStatus: 0, harness: false, requestId: newRequestId(),
    };
    if (mode === 'blocked') {
      // Hop limit 1: the reply would be dropped on its way to the pod. Hold the connection and say nothing.
      entry.decision = 'error';
      entry.errorCode = 'NoAnswer';
      log.push(entry);
      req.resume();
      return;
    }
    const reply = (status: number, body: string, type = 'text/plain') => {
      entry.httpStatus = status;
      if (status >= 400) { entry.decision = 'error'; entry.errorCode = String(status); }
      log.push(entry);
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), server: 'EC2ws' });
      res.end(body);
    };
    req.resume();
    req.on('end', () => {
      if (req.method === 'PUT' && path === '/latest/api/token') {
        const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
        if (!Number.isFinite(ttl) || ttl < 1 || ttl > 21600) { reply(400, ''); return; }
        const token = randomBytes(42).toString('base64');
        tokens.add(token);
        res.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(ttl));
        reply(200, token);
        return;
      }
      if (req.method !== 'GET') { reply(405, ''); return; }
      const token = req.headers['x-aws-ec2-metadata-token'];
      if (typeof token === 'string' && !tokens.has(token)) { reply(401, ''); return; }
      if (path === '/latest/meta-data/iam/security-credentials/' || path === '/latest/meta-data/iam/security-credentials') {
        if (!roleName) { reply(404, ''); return; }
        reply(200, roleName);
        return;
      }
      if (roleName && path === `/latest/meta-data/iam/security-credentials/${roleName}`) {
        const c = nodeCredentials();
        entry.callerArn = c.arn;
        entry.accessKeyId = c.accessKeyId;
        reply(200, JSON.stringify({
          Code: 'Success', LastUpdated: isoSeconds(new Date()), Type: 'AWS-HMAC',
          AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken, Expiration: isoSeconds(c.expiration),
        }), 'text/plain');
        return;
      }
      if (path === '/latest/meta-data/instance-id') { reply(200, instanceId); return; }
      if (path === '/latest/meta-data/placement/region') { reply(200, world.region); return; }
      if (path === '/latest/meta-data/placement/availability-zone') { reply(200, `${world.region}a`); return; }
      if (path === '/latest/dynamic/instance-identity/document') {
        reply(200, JSON.stringify({
          accountId: world.account, architecture: 'x86_64', availabilityZone: `${world.region}a`, imageId: 'ami-0standin0000000',
          instanceId, instanceType: 'm5.large', privateIp: world.pod?.nodeIp ?? '10.0.0.5', region: world.region, version: '2017-09-30',
          pendingTime: isoSeconds(new Date(Date.now() - 86400_000)),
        }, null, 2), 'text/plain');
        return;
      }
      reply(404, '');
    });
  });
  return server;
}
