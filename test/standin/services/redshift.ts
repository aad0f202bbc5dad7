// Stand-in Redshift (query protocol): DescribeClusters over the world's `redshift.Clusters`, with Redshift's
// own list item names (<Cluster>, <VpcSecurityGroup>, <ClusterNode>) and ClusterNotFound as Redshift sends it.
import { AwsFault, type ServiceModule } from '../types.ts';

const redshiftModule: ServiceModule = {
  signingName: 'redshift',
  protocol: 'query',
  xmlNamespace: 'http://redshift.amazonaws.com/doc/2012-12-01/',
  listItemNames: {
    Clusters: 'Cluster',
    VpcSecurityGroups: 'VpcSecurityGroup',
    ClusterSecurityGroups: 'ClusterSecurityGroup',
    ClusterNodes: 'member',
    ClusterParameterGroups: 'ClusterParameterGroup',
    IamRoles: 'ClusterIamRole',
    Tags: 'Tag',
  },
  operations: {
    DescribeClusters: async (req, sc) => {
      const id = req.params.ClusterIdentifier as string | undefined;
      const arn = `arn:aws:redshift:${sc.region}:${sc.world.account}:cluster:${id ?? '*'}`;
      await sc.require({ caller: req.caller, action: 'redshift:DescribeClusters', resource: arn });
      const all = ((sc.world.redshift?.Clusters ?? []) as Record<string, any>[]).map((c): Record<string, any> => ({
        NodeType: 'ra3.xlplus',
        NumberOfNodes: 2,
        MasterUsername: 'admin',
        DBName: 'dev',
        ClusterAvailabilityStatus: c.ClusterStatus === 'available' ? 'Available' : 'Unavailable',
        Encrypted: true,
        PubliclyAccessible: false,
        ...c,
      }));
      if (id) {
        const found = all.filter((c) => c.ClusterIdentifier === id);
        if (!found.length) throw new AwsFault('ClusterNotFound', `Cluster ${id} not found.`, 404);
        return { Clusters: found };
      }
      return { Clusters: all };
    },
  },
};

export default redshiftModule;
