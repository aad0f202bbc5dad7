// Stand-in RDS (query protocol): DescribeDBInstances / DescribeDBClusters over the world's `rds` section, with
// RDS's list item names (<DBInstance>, <DBCluster>, <VpcSecurityGroupMembership>, <Subnet>, ...) and faults.
import { AwsFault, type ServiceModule } from '../types.ts';

type Doc = Record<string, any>;

function filtered(items: Doc[], params: Doc, accessors: Record<string, (i: Doc) => unknown[]>): Doc[] {
  const filters = ((params.Filters ?? []) as Doc[]).map((f) => ({ Name: String(f.Name), Values: ((f.Values ?? []) as unknown[]).map(String) }));
  let out = items;
  for (const f of filters) {
    const get = accessors[f.Name];
    if (!get) throw new AwsFault('InvalidParameterValue', `Unrecognized filter name: ${f.Name}.`, 400);
    out = out.filter((i) => get(i).some((v) => v !== undefined && f.Values.includes(String(v))));
  }
  return out;
}

const rdsModule: ServiceModule = {
  signingName: 'rds',
  protocol: 'query',
  xmlNamespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
  listItemNames: {
    DBInstances: 'DBInstance',
    DBClusters: 'DBCluster',
    VpcSecurityGroups: 'VpcSecurityGroupMembership',
    DBSecurityGroups: 'DBSecurityGroup',
    Subnets: 'Subnet',
    DBClusterMembers: 'DBClusterMember',
    DBParameterGroups: 'DBParameterGroup',
    OptionGroupMemberships: 'OptionGroupMembership',
    ReadReplicaDBInstanceIdentifiers: 'ReadReplicaDBInstanceIdentifier',
    AvailabilityZones: 'AvailabilityZone',
    Filters: 'Filter',
    Values: 'Value',
  },
  operations: {
    DescribeDBInstances: async (req, sc) => {
      const id = req.params.DBInstanceIdentifier as string | undefined;
      await sc.require({ caller: req.caller, action: 'rds:DescribeDBInstances', resource: `arn:aws:rds:${sc.region}:${sc.world.account}:db:${id ?? '*'}` });
      const all = ((sc.world.rds?.DBInstances ?? []) as Doc[]).map((d): Doc => ({ Engine: 'postgres', DBInstanceStatus: 'available', ...d }));
      if (id) {
        const found = all.filter((d) => d.DBInstanceIdentifier === id);
        if (!found.length) throw new AwsFault('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
        return { DBInstances: found };
      }
      return { DBInstances: filtered(all, req.params, { 'db-cluster-id': (d) => [d.DBClusterIdentifier], 'db-instance-id': (d) => [d.DBInstanceIdentifier] }) };
    },
    DescribeDBClusters: async (req, sc) => {
      const id = req.params.DBClusterIdentifier as string | undefined;
      await sc.require({ caller: req.caller, action: 'rds:DescribeDBClusters', resource: `arn:aws:rds:${sc.region}:${sc.world.account}:cluster:${id ?? '*'}` });
      const all = ((sc.world.rds?.DBClusters ?? []) as Doc[]).map((c): Doc => ({ Engine: 'aurora-postgresql', Status: 'available', ...c }));
      if (id) {
        const found = all.filter((c) => c.DBClusterIdentifier === id);
        if (!found.length) throw new AwsFault('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
        return { DBClusters: found };
      }
      return { DBClusters: filtered(all, req.params, { 'db-cluster-id': (c) => [c.DBClusterIdentifier] }) };
    },
  },
};

export default rdsModule;
