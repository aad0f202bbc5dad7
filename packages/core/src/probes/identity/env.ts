// identity.env: what the EKS Pod Identity webhook injected into this pod, and what else could shadow it in the
// SDK's default chain (static keys first, then IRSA's web identity, then the container provider).
import { readFile } from 'node:fs/promises';
import type { Evidence, Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { registerSecret } from '../../redact.ts';
import { analyzeEnv, CREDENTIAL_ENV_NAMES, decodeTokenClaims, type EnvFinding, type TokenFileFacts } from './classify.ts';
import { workload } from './common.ts';

export const meta = {
  id: 'identity.env',
  title: 'Pod Identity variables injected and usable',
  area: 'identity',
  podOnly: true,
  docs: 'docs/probes/identity.env.md',
} satisfies ProbeMeta;

async function readTokenFacts(path: string): Promise<TokenFileFacts> {
  try {
    const token = (await readFile(path)).toString('utf8');
    registerSecret(token); // never shown; registered so nothing that quotes it later can leak it
    return { path, readable: true, bytes: Buffer.byteLength(token), ...decodeTokenClaims(token) };
  } catch (err) {
    return { path, readable: false, error: (err as NodeJS.ErrnoException).code ?? 'unreadable' };
  }
}

export async function run(ctx: ProbeContext): Promise<Finding[]> {
  const env = ctx.env;
  const tokenPath = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
  const token = tokenPath ? await readTokenFacts(tokenPath) : undefined;
  const present = CREDENTIAL_ENV_NAMES.filter((n) => typeof env[n] === 'string' && env[n] !== '');
  const evidence: Evidence = {
    credentialVariables: present,
    ...(env.AWS_CONTAINER_CREDENTIALS_FULL_URI ? { fullUri: env.AWS_CONTAINER_CREDENTIALS_FULL_URI } : {}),
    ...(tokenPath ? { tokenFile: tokenPath } : {}),
    ...(token?.readable ? { tokenBytes: token.bytes ?? 0 } : {}),
    ...(token?.subject ? { tokenSubject: token.subject } : {}),
    ...(token?.expiresAt ? { tokenExpiresAt: token.expiresAt, tokenExpired: token.expired ?? false } : {}),
    ...(env.POD_NAMESPACE ? { podNamespace: env.POD_NAMESPACE } : {}),
    ...(env.POD_NAME ? { podName: env.POD_NAME } : {}),
  };
  return analyzeEnv(env, token).map((f) => toFinding(f, ctx, evidence));
}

function toFinding(f: EnvFinding, ctx: ProbeContext, evidence: Evidence): Finding {
  const w = workload(ctx.config, ctx.env);
  const restart = `kubectl -n ${w.namespace} rollout restart deployment/${w.deployment}`;
  switch (f.code) {
    case 'OK':
      return {
        code: 'OK',
        summary: `Pod Identity variables injected: the SDK will call ${String(evidence.fullUri)} with the projected token`,
        evidence,
      };
    case 'POD_IDENTITY_ENV_MISSING':
      return {
        code: f.code,
        ...(f.status ? { status: f.status } : {}),
        summary: `No AWS_CONTAINER_CREDENTIALS_FULL_URI in this pod (${f.detail}): the Pod Identity webhook did not inject it when the pod was admitted${
          f.status === 'warn' ? '; the pod runs on IRSA instead (identity.caller says whether that yields the configured role)' : ''
        }`,
        evidence,
        remedy: {
          text:
            `The webhook injects the variables only when the pod is created and an association exists for its namespace and service account (${w.namespace}/${w.serviceAccount}). ` +
            'Check the association (create it if it is missing or names another namespace or service account), then recreate the pods.',
          commands: [
            `aws eks list-pod-identity-associations --cluster-name ${w.cluster} --namespace ${w.namespace} --service-account ${w.serviceAccount}`,
            `aws eks create-pod-identity-association --cluster-name ${w.cluster} --namespace ${w.namespace} --service-account ${w.serviceAccount} --role-arn ${ctx.config.roleArn}`,
            restart,
          ],
        },
      };
    case 'IRSA_ENV_PRESENT':
      return {
        code: f.code,
        summary: `${f.detail}, so the gateway gets the IRSA role (or its error) instead of Pod Identity`,
        evidence,
        remedy: {
          text:
            `Remove the IRSA configuration: the eks.amazonaws.com/role-arn annotation on service account ${w.namespace}/${w.serviceAccount} (the IRSA webhook injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE from it) or the variables set in the pod spec, then recreate the pods.`,
          commands: [
            `kubectl -n ${w.namespace} annotate serviceaccount ${w.serviceAccount} eks.amazonaws.com/role-arn-`,
            restart,
          ],
        },
      };
    case 'STATIC_KEYS_PRESENT':
      return {
        code: f.code,
        summary: `${f.detail}: Pod Identity is never consulted`,
        evidence,
        remedy: {
          text:
            'Remove AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) from the pod spec or the Secret/ConfigMap it loads with envFrom, then recreate the pods; deactivate the key once nothing uses it.',
          commands: [`kubectl -n ${w.namespace} set env deployment/${w.deployment} AWS_ACCESS_KEY_ID- AWS_SECRET_ACCESS_KEY- AWS_SESSION_TOKEN-`],
        },
      };
    case 'FULL_URI_UNEXPECTED':
      return {
        code: f.code,
        summary: `AWS_CONTAINER_CREDENTIALS_FULL_URI is not one the SDKs accept: ${f.detail}`,
        evidence,
        remedy: {
          text:
            'Do not set the container credential variables by hand: let the Pod Identity webhook inject AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials (or http://[fd00:ec2::23]/v1/credentials on IPv6) and remove AWS_CONTAINER_CREDENTIALS_RELATIVE_URI; recreate the pods.',
          commands: [restart],
        },
      };
    case 'TOKEN_FILE_MISSING':
      return {
        code: f.code,
        summary: `The Pod Identity token is not available: ${f.detail}`,
        evidence,
        remedy: {
          text:
            'The webhook mounts the projected token at /var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token and sets AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE to it. Check that nothing in the pod spec overrides that volume or the variable, and that the container user may read the file; recreate the pods.',
          commands: [restart],
        },
      };
  }
}
