// Shared probe helpers (engine). genericErrorFinding maps an AWS call error to the generic codes of CATALOG.md's
// first section, or returns undefined when the error is the probe's own business (AccessDenied on AssumeRole is a
// finding about the setup; only the probe knows what it means).
import type { AwsCallErrorInfo, Finding, ProbeContext, ServiceId } from '../types.ts';
import { isAwsCallError } from '../aws/errors.ts';

export interface GenericErrorOptions {
  /** The call was a read the diagnostic needs: AccessDenied becomes READ_DENIED (warn) naming these permissions. */
  readDenied?: { permissions: string[]; /** e.g. the offline command to run instead */ alternative?: string };
}

/** The `network.egress` subject that carries each service's API endpoint (CATALOG.md subjects). */
const EGRESS_SUBJECT: Partial<Record<ServiceId, string>> = {
  sts: 'sts',
  secretsmanager: 'secretsmanager',
  athena: 'athena',
};

function hostOf(service: ServiceId, region: string): string {
  if (service === 'iam') return 'iam.amazonaws.com';
  return `${service}.${region}.amazonaws.com`;
}

/** Evidence every generic error finding carries: what was called and what came back (redacted already). */
export function errorEvidence(info: AwsCallErrorInfo): Record<string, string | number> {
  return {
    service: info.service,
    operation: info.operation,
    errorKind: info.kind,
    ...(info.awsCode ? { awsCode: info.awsCode } : {}),
    ...(info.httpStatus ? { httpStatus: info.httpStatus } : {}),
    ...(info.requestId ? { requestId: info.requestId } : {}),
    message: info.message,
  };
}

export function genericErrorFinding(err: unknown, ctx: ProbeContext, opts: GenericErrorOptions = {}): Finding | undefined {
  if (!isAwsCallError(err)) return undefined;
  const info = err.info;
  const call = `${info.service}:${info.operation}`;
  const evidence = errorEvidence(info);
  switch (info.kind) {
    case 'throttled':
      return { code: 'THROTTLED', summary: `AWS throttled ${call} (${info.awsCode ?? 'throttling'}) after a bounded retry; run again in a moment`, evidence };
    case 'server':
      return {
        code: 'SERVICE_ERROR',
        summary: `${call} failed on the AWS side${info.httpStatus ? ` (HTTP ${info.httpStatus})` : ''}: ${info.awsCode ?? info.message}`,
        evidence,
      };
    case 'malformed':
      return { code: 'MALFORMED_RESPONSE', summary: `The answer to ${call} could not be parsed${info.httpStatus ? ` (HTTP ${info.httpStatus})` : ''}`, evidence };
    case 'timeout':
      return { code: 'PROBE_TIMEOUT', summary: `${call} got no answer within the deadline`, evidence };
    case 'refused-by-guard':
      return {
        code: 'PROBE_CRASHED',
        summary: `${call} is not on the read-only allowlist, so it was not sent (a bug in the probe, or add the read to packages/core/src/aws/allowlist.ts)`,
        evidence,
      };
    case 'credentials': {
      const causes = ctx.results.failureCodes(['identity.caller', 'identity.env', 'identity.agent']);
      return {
        code: 'CREDENTIALS_UNAVAILABLE',
        status: 'error',
        summary: `No credentials to call ${call}: ${info.message}`,
        evidence,
        ...(causes.length ? { causes } : {}),
      };
    }
    case 'unreachable': {
      const region = ctx.config.region;
      const host = hostOf(info.service, region);
      const egressSubject = EGRESS_SUBJECT[info.service];
      const causes = egressSubject ? ctx.results.failureCodes(['network.egress', 'network.dns'], egressSubject) : [];
      return {
        code: 'AWS_ENDPOINT_UNREACHABLE',
        summary: `${host} cannot be reached from here to call ${call} (${info.awsCode ?? 'unreachable'})`,
        evidence: { ...evidence, endpoint: host },
        ...(causes.length ? { causes } : {}),
        remedy: {
          text:
            `Give the pod a path to ${host}:443 — a route to a NAT gateway from its subnet, or an interface VPC endpoint ` +
            `for ${info.service} with private DNS enabled whose security group admits 443 from the pod's security groups. ` +
            `See which endpoints exist:`,
          commands: [
            `aws ec2 describe-vpc-endpoints --region ${region} --filters Name=service-name,Values=com.amazonaws.${region}.${info.service === 'iam' ? 'iam' : info.service}`,
          ],
        },
      };
    }
    case 'denied': {
      if (!opts.readDenied) return undefined;
      const permissions = opts.readDenied.permissions;
      return {
        code: 'READ_DENIED',
        summary: `The diagnostic may not call ${call} (${info.awsCode ?? 'AccessDenied'}); grant ${permissions.join(', ')} to let it check this`,
        evidence: { ...evidence, permissionsNeeded: permissions },
        remedy: {
          text:
            `Allow the diagnostic's read${permissions.length > 1 ? 's' : ''} ${permissions.join(', ')} (the least-privilege read policy in the docs)` +
            (opts.readDenied.alternative ? `, or check offline instead:` : '.'),
          ...(opts.readDenied.alternative ? { commands: [opts.readDenied.alternative] } : {}),
          policy: {
            Version: '2012-10-17',
            Statement: [{ Sid: 'GatewayDoctorReads', Effect: 'Allow', Action: permissions, Resource: '*' }],
          },
        },
      };
    }
    default:
      return undefined;
  }
}
