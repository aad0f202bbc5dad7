// audit.cloudtrail: is there a CloudTrail trail recording this region's management events (the gateway's
// AssumeRole and GetSecretValue calls)? DescribeTrails, then GetTrailStatus and GetEventSelectors per trail
// that covers the region. Every outcome is a warning at worst: auditing is advice, not a broken setup.
import type { Evidence, Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { genericErrorFinding } from '../helpers.ts';
import { assessTrails, coversRegion, managementCoverage, putEventSelectorsCommand, startLoggingCommand, type TrailFacts } from './trails.ts';

export const meta = {
  id: 'audit.cloudtrail',
  title: "A CloudTrail trail logs this region's management events",
  area: 'audit',
  needs: ['identity.caller'],
  docs: 'docs/probes/audit.cloudtrail.md',
} satisfies ProbeMeta;

const READ_PERMISSIONS = ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'];

export async function run(ctx: ProbeContext): Promise<Finding[]> {
  const region = ctx.config.region;
  let trailList: any[];
  try {
    const out = await ctx.aws.call('cloudtrail', 'DescribeTrails', { includeShadowTrails: true }, { region });
    trailList = Array.isArray(out.trailList) ? out.trailList : [];
  } catch (err) {
    const f = errorFinding(err, ctx);
    if (f === 'not-found') throw err; // DescribeTrails has no not-found answer: a crash, reported as one
    return [f];
  }
  const trails: TrailFacts[] = trailList.map((t) => ({
    name: String(t.Name ?? ''),
    arn: t.TrailARN,
    homeRegion: String(t.HomeRegion ?? region),
    isMultiRegion: t.IsMultiRegionTrail === true,
    isOrganizationTrail: t.IsOrganizationTrail === true,
    selectorsRead: false,
  }));
  const unreadable: string[] = [];
  for (const t of trails.filter((x) => coversRegion(x, region))) {
    const id = t.arn ?? t.name;
    try {
      const s = await ctx.aws.call('cloudtrail', 'GetTrailStatus', { Name: id }, { region: t.homeRegion });
      t.isLogging = s.IsLogging === true;
    } catch (err) {
      const f = errorFinding(err, ctx);
      if (f !== 'not-found' && f.code !== 'READ_DENIED') return [f];
      unreadable.push(`cloudtrail:GetTrailStatus on ${id}`);
    }
    try {
      const e = await ctx.aws.call('cloudtrail', 'GetEventSelectors', { TrailName: id }, { region: t.homeRegion });
      t.eventSelectors = e.EventSelectors;
      t.advancedEventSelectors = e.AdvancedEventSelectors;
      t.selectorsRead = true;
    } catch (err) {
      const f = errorFinding(err, ctx);
      if (f !== 'not-found' && f.code !== 'READ_DENIED') return [f];
      unreadable.push(`cloudtrail:GetEventSelectors on ${id}`);
    }
  }
  ctx.record({
    trails: trails.map((t) => t.name),
    coveringTrails: trails.filter((t) => coversRegion(t, region)).map((t) => t.name),
  });
  const findings: Finding[] = assessTrails(trails, region).map((a): Finding => {
    const evidence: Evidence = a.trail
      ? {
          trail: a.trail.name,
          trailArn: a.trail.arn ?? null,
          homeRegion: a.trail.homeRegion,
          multiRegion: a.trail.isMultiRegion,
          isLogging: a.trail.isLogging ?? null,
          managementEvents: a.coverage ?? managementCoverage(a.trail),
        }
      : { region };
    switch (a.code) {
      case 'OK':
        return { code: 'OK', summary: a.explains, evidence };
      case 'CLOUDTRAIL_MISSING':
        return {
          code: 'CLOUDTRAIL_MISSING',
          summary: a.explains,
          evidence,
          remedy: {
            text: "Create a multi-region trail that logs management events to an S3 bucket you own, and start it.",
            commands: [
              `aws cloudtrail create-trail --name gateway-audit --s3-bucket-name <audit-bucket> --is-multi-region-trail --region ${region}`,
              `aws cloudtrail start-logging --name gateway-audit --region ${region}`,
            ],
          },
        };
      case 'CLOUDTRAIL_NOT_LOGGING':
        return {
          code: 'CLOUDTRAIL_NOT_LOGGING',
          summary: a.explains,
          evidence,
          remedy: { text: `Start logging on trail ${a.trail!.name}.`, commands: [startLoggingCommand(a.trail!)] },
        };
      default:
        return {
          code: 'CLOUDTRAIL_NO_MANAGEMENT_EVENTS',
          summary: a.explains,
          evidence,
          remedy: {
            text: `Include all management events (read and write) in trail ${a.trail!.name}'s event selectors.`,
            commands: [putEventSelectorsCommand(a.trail!)],
          },
        };
    }
  });
  if (unreadable.length > 0) {
    findings.push({
      code: 'READ_DENIED',
      summary: `could not read ${unreadable.join(', ')}: the trail's state is not proven`,
      evidence: { unreadable },
      remedy: { text: `Grant the diagnostic ${READ_PERMISSIONS.join(', ')} on the trails (Resource "*").` },
    });
  }
  return findings;
}

/** A finding for a failed call, or 'not-found' for a trail that vanished or is not visible from here. */
function errorFinding(err: unknown, ctx: ProbeContext): Finding | 'not-found' {
  if (!isAwsCallError(err)) throw err;
  if (err.info.kind === 'not-found') return 'not-found';
  const generic = genericErrorFinding(err, ctx, { readDenied: { permissions: READ_PERMISSIONS } });
  if (generic) return generic;
  if (err.info.kind === 'denied') {
    return {
      code: 'READ_DENIED',
      summary: `${err.info.operation} is denied: ${err.info.message}`,
      evidence: { operation: err.info.operation, awsCode: err.info.awsCode ?? null, requestId: err.info.requestId ?? null },
      remedy: { text: `Grant the diagnostic ${READ_PERMISSIONS.join(', ')} (Resource "*").` },
    };
  }
  throw err;
}
