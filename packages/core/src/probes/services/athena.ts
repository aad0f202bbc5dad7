// services.athena: each configured Athena workgroup exists, is enabled, lets the gateway read it, and has a
// query result location (GetWorkGroup with the gateway's credentials, in the configured region).
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { genericErrorFinding } from '../helpers.ts';

export const meta = {
  id: 'services.athena',
  title: 'Athena workgroups are usable',
  area: 'services',
  needs: ['identity.caller'],
  after: ['network.dns', 'network.egress'],
  docs: 'docs/probes/services.athena.md',
  subjects: (config) => config.athenaWorkGroups.map((subject) => ({ subject })),
} satisfies ProbeMeta;

export interface WorkGroupFacts {
  Name?: string;
  State?: string;
  Configuration?: {
    ResultConfiguration?: { OutputLocation?: string };
    ManagedQueryResultsConfiguration?: { Enabled?: boolean };
    EnforceWorkGroupConfiguration?: boolean;
  };
}

/** Pure: what GetWorkGroup's answer says about the workgroup. One finding per thing found. */
export function assessWorkGroup(wg: WorkGroupFacts, name: string, region: string): Finding[] {
  const out: Finding[] = [];
  const evidence = {
    state: wg.State ?? null,
    outputLocation: wg.Configuration?.ResultConfiguration?.OutputLocation ?? null,
    managedQueryResults: wg.Configuration?.ManagedQueryResultsConfiguration?.Enabled === true,
    enforceWorkGroupConfiguration: wg.Configuration?.EnforceWorkGroupConfiguration === true,
  };
  if (wg.State && wg.State !== 'ENABLED') {
    out.push({
      code: 'ATHENA_WORKGROUP_DISABLED',
      summary: `workgroup ${name} is ${wg.State}: queries submitted to it are refused`,
      evidence,
      remedy: { text: `Enable the workgroup.`, commands: [`aws athena update-work-group --work-group ${name} --state ENABLED --region ${region}`] },
    });
  }
  if (!evidence.outputLocation && !evidence.managedQueryResults) {
    out.push({
      code: 'ATHENA_NO_OUTPUT_LOCATION',
      summary: `workgroup ${name} has no query result location: every query must name one, or it fails`,
      evidence,
      remedy: {
        text: 'Set a result location the role may write to (an S3 prefix), or enable managed query results.',
        commands: [
          `aws athena update-work-group --work-group ${name} --region ${region} --configuration-updates 'ResultConfigurationUpdates={OutputLocation=s3://<results-bucket>/${name}/}'`,
        ],
      },
    });
  }
  if (out.length === 0) out.push({ code: 'OK', summary: `workgroup ${name} is enabled with a result location`, evidence });
  return out;
}

export async function run(ctx: ProbeContext): Promise<Finding[]> {
  const name = ctx.subject ?? 'primary';
  const region = ctx.config.region;
  const account = ctx.config.roleArn.split(':')[4] ?? '';
  try {
    const out = await ctx.aws.call('athena', 'GetWorkGroup', { WorkGroup: name }, { region });
    return assessWorkGroup(out.WorkGroup ?? {}, name, region);
  } catch (err) {
    if (!isAwsCallError(err)) throw err;
    const info = err.info;
    ctx.record({ awsCode: info.awsCode ?? null, httpStatus: info.httpStatus ?? null, requestId: info.requestId ?? null });
    if (info.kind === 'unreachable') {
      return [
        {
          code: 'AWS_ENDPOINT_UNREACHABLE',
          summary: `Athena's endpoint in ${region} cannot be reached from here (${info.message})`,
          causes: ctx.results.failureCodes(['network.egress', 'network.dns'], 'athena'),
          remedy: {
            text: `Give the pod a path to Athena: a NAT gateway route, or an interface VPC endpoint com.amazonaws.${region}.athena with private DNS.`,
          },
        },
      ];
    }
    if (info.awsCode === 'InvalidRequestException' && /workgroup.*not found/i.test(info.message)) {
      return [
        {
          code: 'ATHENA_WORKGROUP_NOT_FOUND',
          summary: `Athena in ${region} has no workgroup ${name}`,
          evidence: { awsMessage: info.message },
          remedy: {
            text: 'Check the workgroup name (case-sensitive) and region, or create it.',
            commands: [`aws athena list-work-groups --region ${region} --query 'WorkGroups[].Name'`],
          },
        },
      ];
    }
    if (info.kind === 'denied' || info.awsCode === 'AccessDeniedException') {
      const resource = `arn:aws:athena:${region}:${account}:workgroup/${name}`;
      return [
        {
          code: 'ATHENA_DENIED',
          summary: `the role may not use workgroup ${name}: ${info.message}`,
          evidence: { resource },
          remedy: {
            text: "Allow the role the Athena actions the gateway uses on this workgroup.",
            commands: [
              `aws iam put-role-policy --role-name ${ctx.config.roleArn.split('/').pop()} --policy-name gateway-athena --policy-document file://gateway-athena.json`,
            ],
            policy: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'GatewayAthenaWorkGroup',
                  Effect: 'Allow',
                  Action: [
                    'athena:GetWorkGroup',
                    'athena:StartQueryExecution',
                    'athena:GetQueryExecution',
                    'athena:GetQueryResults',
                    'athena:StopQueryExecution',
                  ],
                  Resource: resource,
                },
              ],
            },
          },
        },
      ];
    }
    const generic = genericErrorFinding(err, ctx);
    if (generic) return [generic];
    throw err;
  }
}
