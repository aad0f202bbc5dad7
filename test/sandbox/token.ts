// The pod's projected service-account tokens (JWT-shaped; the stand-in checks their claims, not a signature).
import { createHash, randomBytes } from 'node:crypto';
import type { World } from '../world/types.ts';

export const POD_IDENTITY_TOKEN_PATH = '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token';
export const IRSA_TOKEN_PATH = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';

const b64url = (v: object | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');

export function issuerOf(world: World): string {
  const fromWorld = world.eks?.cluster?.identity?.oidc?.issuer;
  if (fromWorld) return fromWorld;
  const id = createHash('sha256').update(`${world.account}/${world.gateway.clusterName}`).digest('hex').slice(0, 32).toUpperCase();
  return `https://oidc.eks.${world.region}.amazonaws.com/id/${id}`;
}

/** A JWT-shaped token as the kubelet projects it for this pod. */
export function serviceAccountToken(world: World, audience: string, nowSec = Math.floor(Date.now() / 1000)): string {
  const { pod } = world;
  const expired = pod.token === 'expired';
  const iat = expired ? nowSec - 2 * 86400 : nowSec - 60;
  const exp = expired ? nowSec - 86400 : nowSec + 86400;
  const saUid = createHash('sha256').update(`sa/${pod.namespace}/${pod.serviceAccount}`).digest('hex');
  const payload = {
    aud: [audience],
    exp,
    iat,
    nbf: iat,
    iss: issuerOf(world),
    'kubernetes.io': {
      namespace: pod.namespace,
      node: { name: pod.nodeName, uid: createHash('sha256').update(pod.nodeName).digest('hex').slice(0, 36) },
      pod: { name: pod.name, uid: pod.uid },
      serviceaccount: {
        name: pod.serviceAccount,
        uid: `${saUid.slice(0, 8)}-${saUid.slice(8, 12)}-${saUid.slice(12, 16)}-${saUid.slice(16, 20)}-${saUid.slice(20, 32)}`,
      },
    },
    sub: `system:serviceaccount:${pod.namespace}:${pod.serviceAccount}`,
  };
  const header = { alg: 'RS256', kid: createHash('sha256').update(issuerOf(world)).digest('hex').slice(0, 40) };
  return `${b64url(header)}.${b64url(payload)}.${b64url(randomBytes(256))}`;
}

/** The Pod Identity token file's content per `pod.token`. */
export function podIdentityTokenFile(world: World): string {
  switch (world.pod.token) {
    case 'empty':
      return '';
    case 'malformed':
      return 'this-is-not-a-jwt';
    default:
      return serviceAccountToken(world, 'pods.eks.amazonaws.com');
  }
}

export function irsaTokenFile(world: World): string {
  return serviceAccountToken(world, 'sts.amazonaws.com');
}
