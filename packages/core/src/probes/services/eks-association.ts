// eks.association: the cluster's side of Pod Identity, read from the EKS API — the association for the
// gateway's namespace/service account and the role it names, whether it disables session tags or chains to a
// target role, and the eks-pod-identity-agent add-on (not needed on EKS Auto Mode). Runs from a laptop too.
import type { Evidence, Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { genericErrorFinding } from '../helpers.ts';

export const meta = {
  id: 'eks.association',
  title: 'A Pod Identity association maps the gateway service account to its role',
  area: 'eks',
  docs: 'docs/probes/eks.association.md',
} satisfies ProbeMeta;

const AGENT_ADDON = 'eks-pod-identity-agent';
const READ_PERMISSIONS = ['eks:DescribeCluster', 'eks:ListPodIdentityAssociations', 'eks:DescribePodIdentityAssociation', 'eks:DescribeAddon'];

export interface AssociationFacts {
  associationId?: string;
  associationArn?: string;
  roleArn?: string;
  targetRoleArn?: string;
  externalId?: string;
  disableSessionTags?: boolean;
}

export interface AddonFacts {
  /** undefined: the add-on is not installed. */
  status?: string;
  addonVersion?: string;
  issues?: string[];
}

export interface AssessInput {
  cluster: string;
  region: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  /** undefined: no association for namespace/SA. */
  association?: AssociationFacts;
  /** undefined: the add-on could not be read (READ_DENIED reported apart). */
  addon?: AddonFacts | 'unread';
  autoMode?: boolean;
}

/** Pure: findings from what the EKS API said. One OK when nothing is found (pass-noted codes count as findings). */
export function assessAssociation(i: AssessInput): Finding[] {
  const out: Finding[] = [];
  const base: Evidence = { cluster: i.cluster, namespace: i.namespace, serviceAccount: i.serviceAccount };
  const a = i.association;
  if (!a) {
    out.push({
      code: 'ASSOCIATION_MISSING',
      summary: `cluster ${i.cluster} has no Pod Identity association for ${i.namespace}/${i.serviceAccount}: pods of that service account get no Pod Identity credentials`,
      evidence: base,
      remedy: {
        text: 'Create the association, then restart the gateway so its pods are admitted with the Pod Identity variables.',
        commands: [
          `aws eks create-pod-identity-association --cluster-name ${i.cluster} --namespace ${i.namespace} --service-account ${i.serviceAccount} --role-arn ${i.roleArn} --region ${i.region}`,
          `kubectl -n ${i.namespace} rollout restart deployment`,
        ],
      },
    });
  } else {
    const evidence: Evidence = {
      ...base,
      associationId: a.associationId ?? null,
      roleArn: a.roleArn ?? null,
      targetRoleArn: a.targetRoleArn ?? null,
      disableSessionTags: a.disableSessionTags === true,
    };
    // With a target role, EKS assumes roleArn and chains to targetRoleArn: the pod's credentials are the target's.
    const effective = a.targetRoleArn ?? a.roleArn;
    if (effective !== i.roleArn) {
      out.push({
        code: 'ASSOCIATION_ROLE_MISMATCH',
        summary: `the association gives ${i.namespace}/${i.serviceAccount} ${effective} (${a.targetRoleArn ? 'target role' : 'role'}), not the configured ${i.roleArn}`,
        evidence,
        remedy: {
          text: 'Point the association at the gateway role (or fix roleArn in the gateway config if the association is right), then restart the gateway pods.',
          commands: [
            a.targetRoleArn
              ? `aws eks update-pod-identity-association --cluster-name ${i.cluster} --association-id ${a.associationId ?? '<association-id>'} --target-role-arn ${i.roleArn} --region ${i.region}`
              : `aws eks update-pod-identity-association --cluster-name ${i.cluster} --association-id ${a.associationId ?? '<association-id>'} --role-arn ${i.roleArn} --region ${i.region}`,
          ],
        },
      });
    } else if (a.targetRoleArn) {
      out.push({
        code: 'ASSOCIATION_TARGET_ROLE',
        summary: `the association chains from ${a.roleArn} to the target role ${a.targetRoleArn}, which is the gateway role`,
        evidence,
      });
    }
    if (a.disableSessionTags === true) {
      out.push({
        code: 'SESSION_TAGS_DISABLED',
        summary: 'the association disables session tags: EKS adds no kubernetes-* tags, so the sessions carry none to chain',
        evidence,
      });
    }
  }
  const addon = i.addon;
  if (i.autoMode) {
    // Auto Mode runs the agent itself; the add-on is neither needed nor expected.
  } else if (addon !== 'unread' && (addon === undefined || addon.status === undefined)) {
    out.push({
      code: 'AGENT_ADDON_MISSING',
      summary: `the ${AGENT_ADDON} add-on is not installed on ${i.cluster}: unless the agent runs another way, pods get no Pod Identity credentials`,
      evidence: { cluster: i.cluster },
      remedy: { text: 'Install the add-on.', commands: [`aws eks create-addon --cluster-name ${i.cluster} --addon-name ${AGENT_ADDON} --region ${i.region}`] },
    });
  } else if (addon !== 'unread' && addon.status && !['ACTIVE', 'UPDATING', 'CREATING'].includes(addon.status)) {
    out.push({
      code: 'AGENT_ADDON_DEGRADED',
      summary: `the ${AGENT_ADDON} add-on is ${addon.status}${addon.issues?.length ? `: ${addon.issues.join('; ')}` : ''}`,
      evidence: { cluster: i.cluster, addonStatus: addon.status, addonVersion: addon.addonVersion ?? null, issues: addon.issues ?? [] },
      remedy: {
        text: "Look at the add-on's health issues and the agent DaemonSet, then update or re-create the add-on.",
        commands: [
          `aws eks describe-addon --cluster-name ${i.cluster} --addon-name ${AGENT_ADDON} --region ${i.region} --query addon.health`,
          `kubectl -n kube-system get daemonset ${AGENT_ADDON}`,
          `aws eks update-addon --cluster-name ${i.cluster} --addon-name ${AGENT_ADDON} --resolve-conflicts OVERWRITE --region ${i.region}`,
        ],
      },
    });
  }
  if (out.length === 0) {
    out.push({
      code: 'OK',
      summary: `${i.namespace}/${i.serviceAccount} is associated with ${i.roleArn}${i.autoMode ? '; EKS Auto Mode runs the agent' : `; ${AGENT_ADDON} is ${(addon as AddonFacts | undefined)?.status ?? 'unread'}`}`,
      evidence: {
        ...base,
        associationId: a?.associationId ?? null,
        autoMode: i.autoMode === true,
        addonStatus: addon === 'unread' ? 'unread' : addon?.status ?? null,
      },
    });
  }
  return out;
}

export async function run(ctx: ProbeContext): Promise<Finding[]> {
  const { clusterName: cluster, region, namespace, serviceAccount, roleArn } = ctx.config;
  if (!namespace || !serviceAccount) {
    return [
      {
        code: 'NOT_APPLICABLE',
        summary: 'namespace and service account are not known here: pass --namespace and --service-account (in a pod they come from the pod itself)',
        evidence: { cluster, namespace: namespace ?? null, serviceAccount: serviceAccount ?? null },
      },
    ];
  }
  const findings: Finding[] = [];
  const denied: string[] = [];
  const read = async <T>(op: string, input: object): Promise<T | undefined | 'denied' | 'not-found'> => {
    try {
      return (await ctx.aws.call('eks', op, input, { region })) as T;
    } catch (err) {
      if (!isAwsCallError(err)) throw err;
      if (err.info.kind === 'not-found' || err.info.awsCode === 'ResourceNotFoundException') return 'not-found';
      if (err.info.kind === 'denied') {
        denied.push(`eks:${op}`);
        return 'denied';
      }
      const generic = genericErrorFinding(err, ctx, { readDenied: { permissions: READ_PERMISSIONS } });
      if (generic) throw new FindingSignal(generic);
      throw err;
    }
  };
  try {
    const clusterOut = await read<any>('DescribeCluster', { name: cluster });
    if (clusterOut === 'not-found') {
      return [
        {
          code: 'ASSOCIATION_MISSING',
          summary: `there is no EKS cluster ${cluster} in ${region}, so no association: check clusterName and region`,
          evidence: { cluster, region },
          remedy: { text: 'Fix clusterName / region in the gateway config.', commands: [`aws eks list-clusters --region ${region}`] },
        },
      ];
    }
    const autoMode = typeof clusterOut === 'object' && clusterOut?.cluster?.computeConfig?.enabled === true;
    const list = await read<any>('ListPodIdentityAssociations', { clusterName: cluster, namespace, serviceAccount });
    let association: AssociationFacts | undefined;
    let associationUnread = list === 'denied';
    if (typeof list === 'object' && list) {
      const summary = (list.associations ?? []).find((x: any) => x.namespace === namespace && x.serviceAccount === serviceAccount);
      if (summary) {
        const d = await read<any>('DescribePodIdentityAssociation', { clusterName: cluster, associationId: summary.associationId });
        if (typeof d === 'object' && d?.association) association = d.association;
        else if (d === 'denied') association = { associationId: summary.associationId, associationArn: summary.associationArn, roleArn: undefined };
      }
    }
    const addonOut = await read<any>('DescribeAddon', { clusterName: cluster, addonName: AGENT_ADDON });
    const addon: AddonFacts | 'unread' | undefined =
      addonOut === 'denied'
        ? 'unread'
        : addonOut === 'not-found' || addonOut === undefined
          ? undefined
          : {
              status: addonOut.addon?.status,
              addonVersion: addonOut.addon?.addonVersion,
              issues: (addonOut.addon?.health?.issues ?? []).map((x: any) => `${x.code}: ${x.message}`),
            };
    ctx.record({ autoMode });
    if (!associationUnread && !(association && association.roleArn === undefined)) {
      findings.push(...assessAssociation({ cluster, region, namespace, serviceAccount, roleArn, association, addon, autoMode }));
    } else {
      // Without the association's details only the add-on can be judged.
      const rest = assessAssociation({ cluster, region, namespace, serviceAccount, roleArn, association: { roleArn }, addon, autoMode });
      findings.push(...rest.filter((f) => f.code !== 'OK'));
    }
    if (denied.length > 0) {
      findings.push({
        code: 'READ_DENIED',
        summary: `the diagnostic may not read ${denied.join(', ')}: the association is not fully checked`,
        evidence: { denied },
        remedy: { text: `Grant the diagnostic ${READ_PERMISSIONS.join(', ')} on cluster ${cluster}.` },
      });
    }
    return findings;
  } catch (err) {
    if (err instanceof FindingSignal) return [err.finding];
    throw err;
  }
}

class FindingSignal extends Error {
  constructor(readonly finding: Finding) {
    super(finding.summary);
  }
}
