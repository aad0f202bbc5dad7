// identity.caller: who the gateway really is. The SDK's default chain yields credentials exactly as the gateway
// gets them (Pod Identity, or a fallback: IRSA's web identity, static keys, the node role through IMDS), and
// sts:GetCallerIdentity says whose they are.
import type { Evidence, Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { genericErrorFinding } from '../helpers.ts';
import { classifyCaller, parseCallerArn, type CallerVerdict } from './classify.ts';
import { budgetMs, causeOutcomes, safeFailureCodes, safeGet, workload } from './common.ts';

export const meta = {
  id: 'identity.caller',
  title: 'The default credential chain yields the configured role',
  area: 'identity',
  after: ['identity.env', 'identity.agent'],
  docs: 'docs/probes/identity.caller.md',
} satisfies ProbeMeta;

class ChainStillRunning extends Error {}

export async function run(ctx: ProbeContext): Promise<Finding> {
  const startedAt = Date.now();
  // The SDK retries the container provider and IMDS for seconds; the gateway would sit there just as long.
  // Stop before the runner's deadline so the outcome says what happened instead of PROBE_TIMEOUT.
  const waitMs = budgetMs(ctx.config, startedAt);
  let timer: NodeJS.Timeout | undefined;
  const pending = ctx.aws.credentials();
  pending.catch(() => undefined); // a late rejection after we stopped waiting must not go unhandled
  try {
    await Promise.race([
      pending,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ChainStillRunning()), waitMs);
      }),
    ]);
  } catch (err) {
    if (err instanceof ChainStillRunning) return unavailable(ctx, `the chain was still trying after ${waitMs} ms (the SDK retries the agent and IMDS)`, {
      waitedMs: waitMs,
    });
    if (isAwsCallError(err)) {
      if (err.info.kind !== 'credentials' && err.info.kind !== 'denied' && err.info.kind !== 'client' && err.info.kind !== 'not-found') {
        const generic = genericErrorFinding(err, ctx);
        if (generic) return generic;
      }
      return unavailable(ctx, err.info.message, {
        sdkMessage: err.info.message,
        ...(err.info.awsCode ? { awsCode: err.info.awsCode } : {}),
      });
    }
    return unavailable(ctx, err instanceof Error ? err.message : String(err), {
      sdkMessage: err instanceof Error ? err.message : String(err),
    });
  } finally {
    clearTimeout(timer);
  }

  let identity: { Arn?: string; Account?: string; UserId?: string };
  try {
    identity = await ctx.aws.call('sts', 'GetCallerIdentity', {});
  } catch (err) {
    const generic = genericErrorFinding(err, ctx);
    if (generic) return generic;
    const info = isAwsCallError(err) ? err.info : undefined;
    return {
      code: 'CALLER_IDENTITY_FAILED',
      summary: `sts:GetCallerIdentity failed: ${info ? `${info.awsCode ?? info.kind}: ${info.message}` : String(err)}`,
      evidence: {
        ...(info?.awsCode ? { awsCode: info.awsCode } : {}),
        ...(info ? { message: info.message } : {}),
        ...(info?.httpStatus ? { httpStatus: info.httpStatus } : {}),
        ...(info?.requestId ? { requestId: info.requestId } : {}),
      },
      remedy: {
        text: 'GetCallerIdentity needs no permission, so a failure means the credentials themselves are refused (expired, revoked, from another partition) or the request never reached STS as signed. Recreate the pod to get fresh credentials, and check the clock on the node.',
      },
    };
  }
  const arn = identity.Arn ?? '';
  const parsed = parseCallerArn(arn);
  const evidence: Evidence = {
    arn,
    account: identity.Account ?? parsed.account,
    ...(parsed.sessionName ? { sessionName: parsed.sessionName } : {}),
    ...(parsed.name ? { name: parsed.name } : {}),
    configuredRole: ctx.config.roleArn,
  };
  if (ctx.where === 'laptop') {
    return { code: 'OK', summary: `Running as ${arn} (your own credentials: the static probes read with them)`, evidence };
  }
  const verdict = classifyCaller(arn, ctx.config.roleArn, ctx.env);
  evidence.source = verdict.source;
  if (verdict.code === 'OK') {
    return { code: 'OK', summary: `The gateway runs as ${arn}, the configured role`, evidence };
  }
  return wrongRole(ctx, verdict, arn, evidence);
}

function unavailable(ctx: ProbeContext, sdkMessage: string, evidence: Evidence): Finding {
  const causes = safeFailureCodes(ctx, ['identity.env', 'identity.agent']).filter(
    (c) => c !== 'NOT_APPLICABLE' && c !== 'NEEDS_UNMET',
  );
  const outcomes = causeOutcomes(ctx, ['identity.env', 'identity.agent'], causes);
  // Only undecided causes (the agent throttled, answered 5xx or hung after accepting): the chain's failure is
  // the same transient fault, not a finding about the setup — error, never fail (CATALOG.md "Findings vs errors").
  const agentErrors = safeGet(ctx, 'identity.agent').filter((o) => o.status === 'error');
  if (causes.length === 0 && agentErrors.length > 0) {
    const first = agentErrors[0]!;
    return {
      code: first.code,
      status: 'error',
      summary: `No credentials from the default chain because ${first.probe} could not decide (${first.code}): ${first.summary}`,
      evidence: { ...evidence, sdkMessage },
      causes: [first.code],
      remedy: { text: 'Run again in a moment; the agent, not the setup, failed this time. If it persists, check the eks-pod-identity-agent pod on this node (kubectl -n kube-system get pods -o wide | grep eks-pod-identity-agent, then its logs).' },
    };
  }
  const w = workload(ctx.config, ctx.env);
  // IRSA: STS knows no IAM OIDC provider for the cluster's issuer (deleted, or never created in this account).
  const oidc = /No OpenIDConnect provider found in your account for (\S+)/.exec(sdkMessage);
  if (oidc) {
    return {
      code: 'CREDENTIALS_UNAVAILABLE',
      summary: `The default credential chain yields no credentials. The SDK says: ${sdkMessage}`,
      evidence: { ...evidence, oidcIssuer: oidc[1]! },
      ...(causes.length ? { causes: [...new Set(causes)] } : {}),
      remedy: {
        text: `The pod uses IRSA (web identity), and STS has no IAM OIDC identity provider for the cluster's issuer ${oidc[1]} in this account, so every AssumeRoleWithWebIdentity fails (https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html). Re-create the provider for cluster ${w.cluster}, or move the gateway to Pod Identity (associate ${w.namespace}/${w.serviceAccount} with ${ctx.config.roleArn}, drop the eks.amazonaws.com/role-arn annotation, recreate the pods).`,
        commands: [
          `eksctl utils associate-iam-oidc-provider --cluster ${w.cluster} --approve`,
          `aws eks create-pod-identity-association --cluster-name ${w.cluster} --namespace ${w.namespace} --service-account ${w.serviceAccount} --role-arn ${ctx.config.roleArn}`,
        ],
      },
    };
  }
  const text =
    outcomes.length > 0
      ? `The SDK's message comes from the provider it tried last and may not name the cause. Found in this pod: ${outcomes
          .map((o) => `${o.code} (${o.probe}): ${o.summary}`)
          .join('; ')}. Fix that first: its remedy is on that outcome.`
      : ctx.where === 'laptop'
        ? 'Sign in (aws sso login --profile <profile>, or set AWS_PROFILE) so the static probes can read the account.'
        : `No credential source worked in this pod. Check the Pod Identity association for ${w.namespace}/${w.serviceAccount} and that the pod was created after it.`;
  return {
    code: 'CREDENTIALS_UNAVAILABLE',
    summary: `The default credential chain yields no credentials. The SDK says: ${sdkMessage}`,
    evidence,
    ...(causes.length ? { causes: [...new Set(causes)] } : {}),
    remedy: {
      text,
      ...(outcomes.find((o) => o.remedy?.commands?.length)
        ? { commands: outcomes.find((o) => o.remedy?.commands?.length)!.remedy!.commands }
        : {}),
    },
  };
}

function wrongRole(ctx: ProbeContext, verdict: CallerVerdict, arn: string, evidence: Evidence): Finding {
  const w = workload(ctx.config, ctx.env);
  const restart = `kubectl -n ${w.namespace} rollout restart deployment/${w.deployment}`;
  const causes = safeFailureCodes(ctx, ['identity.env']).filter((c) => c !== 'NOT_APPLICABLE' && c !== 'NEEDS_UNMET');
  const commands: string[] = [];
  let text: string;
  switch (verdict.source) {
    case 'node-role-imds': {
      const instanceId = String(evidence.sessionName ?? '<instance-id>');
      text =
        `The pod has no Pod Identity variables, so the SDK fell back to IMDS and got the node's role. Create the association for ${w.namespace}/${w.serviceAccount} (if missing), recreate the pods, and stop pods from reaching IMDS (IMDSv2 required with hop limit 1 on the node group's launch template).`;
      commands.push(
        `aws eks create-pod-identity-association --cluster-name ${w.cluster} --namespace ${w.namespace} --service-account ${w.serviceAccount} --role-arn ${ctx.config.roleArn}`,
        restart,
        `aws ec2 modify-instance-metadata-options --instance-id ${instanceId} --http-tokens required --http-put-response-hop-limit 1`,
      );
      break;
    }
    case 'irsa-role':
      text = `The pod carries IRSA variables, which the SDK prefers to Pod Identity. Remove the eks.amazonaws.com/role-arn annotation from ${w.namespace}/${w.serviceAccount} (or the variables from the pod spec) and recreate the pods.`;
      commands.push(`kubectl -n ${w.namespace} annotate serviceaccount ${w.serviceAccount} eks.amazonaws.com/role-arn-`, restart);
      break;
    case 'other-association':
      text = `The Pod Identity association for ${w.namespace}/${w.serviceAccount} names ${evidence.name}, not ${ctx.config.roleArn}. Point it at the configured role (or fix roleArn in the gateway's config if the association is right).`;
      commands.push(
        `aws eks list-pod-identity-associations --cluster-name ${w.cluster} --namespace ${w.namespace} --service-account ${w.serviceAccount}`,
        `aws eks update-pod-identity-association --cluster-name ${w.cluster} --association-id $(aws eks list-pod-identity-associations --cluster-name ${w.cluster} --namespace ${w.namespace} --service-account ${w.serviceAccount} --query 'associations[0].associationId' --output text) --role-arn ${ctx.config.roleArn}`,
      );
      break;
    case 'static-keys':
      text = 'Static access keys in the environment shadow Pod Identity. Remove them from the pod spec and recreate the pods.';
      commands.push(`kubectl -n ${w.namespace} set env deployment/${w.deployment} AWS_ACCESS_KEY_ID- AWS_SECRET_ACCESS_KEY- AWS_SESSION_TOKEN-`);
      break;
    default:
      text = `The credentials belong to ${arn}. Find what provides them (identity.env lists the credential variables) and make the Pod Identity association for ${w.namespace}/${w.serviceAccount} the only source.`;
  }
  return {
    code: 'WRONG_ROLE',
    summary: `The gateway runs as ${arn}, not ${ctx.config.roleArn}: ${verdict.explanation}`,
    evidence,
    ...(causes.length ? { causes: [...new Set(causes)] } : {}),
    remedy: { text, ...(commands.length ? { commands } : {}) },
  };
}
