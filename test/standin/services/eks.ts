// Stand-in EKS (REST-JSON): DescribeCluster, ListPodIdentityAssociations, DescribePodIdentityAssociation,
// ListAddons and DescribeAddon over the world's `eks` section, with EKS's error codes and messages.
import { createHash } from 'node:crypto';
import { AwsFault, type ServiceModule, type WorldView } from '../types.ts';

function cluster(world: WorldView): any | undefined {
  return world.eks?.cluster;
}

function clusterArn(world: WorldView, name: string, region: string): string {
  return cluster(world)?.arn ?? `arn:aws:eks:${region}:${world.account}:cluster/${name}`;
}

function requireCluster(world: WorldView, name: string): any {
  const c = cluster(world);
  if (!c || c.name !== name) throw new AwsFault('ResourceNotFoundException', `No cluster found for name: ${name}.`, 404);
  return c;
}

function associationId(a: any): string {
  if (a.associationId) return a.associationId;
  const h = createHash('sha256').update(`${a.namespace}/${a.serviceAccount}/${a.roleArn}`).digest('hex');
  return `a-${h.slice(0, 17)}`;
}

function associations(world: WorldView, clusterName: string, region: string): any[] {
  return ((world.eks?.podIdentityAssociations ?? []) as any[]).map((a) => {
    const id = associationId(a);
    return {
      ...a,
      clusterName,
      associationId: id,
      associationArn: a.associationArn ?? `arn:aws:eks:${region}:${world.account}:podidentityassociation/${clusterName}/${id}`,
    };
  });
}

export const eksModule: ServiceModule = {
  signingName: 'eks',
  protocol: 'rest-json',
  routes: {
    'GET /clusters/{name}': 'DescribeCluster',
    'GET /clusters/{clusterName}/pod-identity-associations': 'ListPodIdentityAssociations',
    'GET /clusters/{clusterName}/pod-identity-associations/{associationId}': 'DescribePodIdentityAssociation',
    'GET /clusters/{clusterName}/addons': 'ListAddons',
    'GET /clusters/{clusterName}/addons/{addonName}': 'DescribeAddon',
  },
  operations: {
    DescribeCluster: async (req, sc) => {
      const name = String(req.params.name ?? '');
      const arn = clusterArn(sc.world, name, req.region);
      await sc.require({ caller: req.caller, action: 'eks:DescribeCluster', resource: arn });
      const c = requireCluster(sc.world, name);
      return {
        cluster: {
          status: 'ACTIVE',
          version: '1.31',
          platformVersion: 'eks.20',
          createdAt: new Date('2025-03-01T00:00:00Z'),
          endpoint: `https://${createHash('sha256').update(arn).digest('hex').slice(0, 32).toUpperCase()}.gr7.${req.region}.eks.amazonaws.com`,
          accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
          ...c,
          arn,
        },
      };
    },
    ListPodIdentityAssociations: async (req, sc) => {
      const name = String(req.params.clusterName ?? '');
      await sc.require({ caller: req.caller, action: 'eks:ListPodIdentityAssociations', resource: clusterArn(sc.world, name, req.region) });
      requireCluster(sc.world, name);
      const ns = req.params.namespace as string | undefined;
      const sa = req.params.serviceAccount as string | undefined;
      const list = associations(sc.world, name, req.region)
        .filter((a) => (!ns || a.namespace === ns) && (!sa || a.serviceAccount === sa))
        .map((a) => ({
          clusterName: a.clusterName,
          namespace: a.namespace,
          serviceAccount: a.serviceAccount,
          associationArn: a.associationArn,
          associationId: a.associationId,
        }));
      return { associations: list };
    },
    DescribePodIdentityAssociation: async (req, sc) => {
      const name = String(req.params.clusterName ?? '');
      const id = String(req.params.associationId ?? '');
      const found = associations(sc.world, name, req.region).find((a) => a.associationId === id);
      const resource = found?.associationArn ?? `arn:aws:eks:${req.region}:${sc.world.account}:podidentityassociation/${name}/${id}`;
      await sc.require({ caller: req.caller, action: 'eks:DescribePodIdentityAssociation', resource });
      requireCluster(sc.world, name);
      if (!found) throw new AwsFault('ResourceNotFoundException', `No Pod Identity Association found for id: ${id}.`, 404);
      return {
        association: {
          clusterName: found.clusterName,
          namespace: found.namespace,
          serviceAccount: found.serviceAccount,
          roleArn: found.roleArn,
          associationArn: found.associationArn,
          associationId: found.associationId,
          tags: found.tags ?? {},
          createdAt: new Date('2025-03-02T00:00:00Z'),
          modifiedAt: new Date('2025-03-02T00:00:00Z'),
          disableSessionTags: found.disableSessionTags ?? false,
          ...(found.targetRoleArn ? { targetRoleArn: found.targetRoleArn } : {}),
          ...(found.externalId ? { externalId: found.externalId } : {}),
        },
      };
    },
    ListAddons: async (req, sc) => {
      const name = String(req.params.clusterName ?? '');
      await sc.require({ caller: req.caller, action: 'eks:ListAddons', resource: clusterArn(sc.world, name, req.region) });
      requireCluster(sc.world, name);
      return { addons: ((sc.world.eks?.addons ?? []) as any[]).map((a) => a.addonName) };
    },
    DescribeAddon: async (req, sc) => {
      const name = String(req.params.clusterName ?? '');
      const addonName = String(req.params.addonName ?? '');
      const resource = `arn:aws:eks:${req.region}:${sc.world.account}:addon/${name}/${addonName}/*`;
      await sc.require({ caller: req.caller, action: 'eks:DescribeAddon', resource });
      requireCluster(sc.world, name);
      const addon = ((sc.world.eks?.addons ?? []) as any[]).find((a) => a.addonName === addonName);
      if (!addon) throw new AwsFault('ResourceNotFoundException', `No addon: ${addonName} found in cluster: ${name}`, 404);
      return {
        addon: {
          addonVersion: 'v1.3.4-eksbuild.1',
          health: { issues: [] },
          createdAt: new Date('2025-03-01T01:00:00Z'),
          modifiedAt: new Date('2025-03-01T01:00:00Z'),
          ...addon,
          clusterName: name,
          status: addon.status ?? 'ACTIVE',
          addonArn: `arn:aws:eks:${req.region}:${sc.world.account}:addon/${name}/${addonName}/${createHash('sha256').update(addonName).digest('hex').slice(0, 8)}`,
        },
      };
    },
  },
};

export default eksModule;
