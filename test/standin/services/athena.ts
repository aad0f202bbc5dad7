// Stand-in Athena (JSON 1.1, AmazonAthena): GetWorkGroup over the world's `athena.WorkGroups`. Every account has
// a `primary` workgroup (enabled, no result location) unless the world describes its own.
import { AwsFault, type ServiceModule } from '../types.ts';

export const athenaModule: ServiceModule = {
  signingName: 'athena',
  protocol: 'json',
  errorMessageKey: 'Message',
  operations: {
    GetWorkGroup: async (req, sc) => {
      const name = String(req.params.WorkGroup ?? '');
      const resource = `arn:aws:athena:${req.region}:${sc.world.account}:workgroup/${name}`;
      await sc.require({ caller: req.caller, action: 'athena:GetWorkGroup', resource });
      const listed = ((sc.world.athena?.WorkGroups ?? []) as any[]).find((w) => w.Name === name);
      const wg = listed ?? (name === 'primary' ? { Name: 'primary', State: 'ENABLED', Configuration: {} } : undefined);
      if (!wg) {
        throw new AwsFault('InvalidRequestException', 'WorkGroup is not found.', 400, { headers: {} });
      }
      const configuration = wg.Configuration ?? {};
      return {
        WorkGroup: {
          Name: wg.Name,
          State: wg.State ?? 'ENABLED',
          Description: wg.Description ?? '',
          CreationTime: new Date(wg.CreationTime ?? '2024-06-01T00:00:00Z'),
          Configuration: {
            EnforceWorkGroupConfiguration: false,
            PublishCloudWatchMetricsEnabled: false,
            RequesterPaysEnabled: false,
            EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
            ...configuration,
          },
        },
      };
    },
  },
};

export default athenaModule;
