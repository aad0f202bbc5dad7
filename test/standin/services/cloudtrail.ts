// Stand-in CloudTrail (JSON 1.1, com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101): DescribeTrails,
// GetTrailStatus and GetEventSelectors over the world's `cloudTrail` section. A multi-region trail shows in every
// region (as a shadow trail); a single-region trail only in its home region.
import { AwsFault, type ServiceModule, type WorldView } from '../types.ts';

interface WorldTrail {
  Name: string;
  TrailARN?: string;
  HomeRegion?: string;
  IsMultiRegionTrail?: boolean;
  IsOrganizationTrail?: boolean;
  [field: string]: unknown;
}

function trails(world: WorldView): Array<WorldTrail & { TrailARN: string; HomeRegion: string }> {
  return ((world.cloudTrail?.trailList ?? []) as WorldTrail[]).map((t) => {
    const home = t.HomeRegion ?? world.region;
    return { ...t, HomeRegion: home, TrailARN: t.TrailARN ?? `arn:aws:cloudtrail:${home}:${world.account}:trail/${t.Name}` };
  });
}

function visibleIn(t: { HomeRegion: string; IsMultiRegionTrail?: boolean }, region: string): boolean {
  return t.HomeRegion === region || t.IsMultiRegionTrail === true;
}

/** By ARN from anywhere it is visible; by name only in its home region (AWS: shadow trails need the ARN). */
function findTrail(world: WorldView, ref: string, region: string) {
  return trails(world).find((t) => (t.TrailARN === ref ? visibleIn(t, region) : t.Name === ref && t.HomeRegion === region));
}

function unknownTrail(ref: string, world: WorldView): AwsFault {
  return new AwsFault('TrailNotFoundException', `Unknown trail: ${ref} for the user: ${world.account}`, 400);
}

const DEFAULT_SELECTORS = [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }];

export const cloudTrailModule: ServiceModule = {
  signingName: 'cloudtrail',
  protocol: 'json',
  errorMessageKey: 'Message',
  operations: {
    DescribeTrails: async (req, sc) => {
      await sc.require({ caller: req.caller, action: 'cloudtrail:DescribeTrails', resource: '*' });
      const names: string[] | undefined = Array.isArray(req.params.trailNameList) ? req.params.trailNameList : undefined;
      const shadow = req.params.includeShadowTrails !== false;
      const list = trails(sc.world)
        .filter((t) => (shadow ? visibleIn(t, req.region) : t.HomeRegion === req.region))
        .filter((t) => !names || names.length === 0 || names.includes(t.Name) || names.includes(t.TrailARN))
        .map((t) => {
          const custom = sc.world.cloudTrail?.eventSelectors?.[t.Name] !== undefined;
          return {
            IncludeGlobalServiceEvents: true,
            IsOrganizationTrail: false,
            LogFileValidationEnabled: true,
            HasInsightSelectors: false,
            ...t,
            IsMultiRegionTrail: t.IsMultiRegionTrail === true,
            HasCustomEventSelectors: custom,
          };
        });
      return { trailList: list };
    },
    GetTrailStatus: async (req, sc) => {
      const ref = String(req.params.Name ?? '');
      const trail = findTrail(sc.world, ref, req.region);
      if (!trail) throw unknownTrail(ref, sc.world);
      await sc.require({ caller: req.caller, action: 'cloudtrail:GetTrailStatus', resource: trail.TrailARN });
      const status = (sc.world.cloudTrail?.status?.[trail.Name] ?? { IsLogging: true }) as Record<string, unknown>;
      const logging = status.IsLogging !== false;
      return {
        IsLogging: logging,
        ...(status.LatestDeliveryError ? { LatestDeliveryError: status.LatestDeliveryError } : {}),
        ...(logging
          ? { StartLoggingTime: new Date('2025-01-01T00:00:00Z'), LatestDeliveryTime: new Date('2026-12-03T08:00:00Z') }
          : { StopLoggingTime: new Date('2026-11-20T12:00:00Z') }),
      };
    },
    GetEventSelectors: async (req, sc) => {
      const ref = String(req.params.TrailName ?? '');
      const trail = findTrail(sc.world, ref, req.region);
      if (!trail) throw unknownTrail(ref, sc.world);
      await sc.require({ caller: req.caller, action: 'cloudtrail:GetEventSelectors', resource: trail.TrailARN });
      const selectors = (sc.world.cloudTrail?.eventSelectors?.[trail.Name] ?? DEFAULT_SELECTORS) as any[];
      // A world may give advanced selectors (items with FieldSelectors): a trail has one kind or the other.
      if (selectors.some((s) => Array.isArray(s.FieldSelectors))) {
        return { TrailARN: trail.TrailARN, AdvancedEventSelectors: selectors };
      }
      return {
        TrailARN: trail.TrailARN,
        EventSelectors: selectors.map((s) => ({
          ReadWriteType: s.ReadWriteType ?? 'All',
          IncludeManagementEvents: s.IncludeManagementEvents ?? true,
          DataResources: s.DataResources ?? [],
          ExcludeManagementEventSources: s.ExcludeManagementEventSources ?? [],
        })),
      };
    },
  },
};

export default cloudTrailModule;
