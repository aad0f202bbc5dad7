// The read-only guard's allowlist: the only AWS operations gateway-doctor ever sends, by exact name per service.
// No patterns, on purpose: `redshift:GetClusterCredentials` is a "Get" that creates a database user.
// Adding a read your probe uses: one line in the right service's list (describe/get/list reads only).
import type { ServiceId } from '../types.ts';

export const ALLOWED_OPERATIONS: Record<ServiceId, readonly string[]> = {
  sts: ['GetCallerIdentity', 'AssumeRole'],
  iam: [
    'GetRole',
    'ListRolePolicies',
    'GetRolePolicy',
    'ListAttachedRolePolicies',
    'GetPolicy',
    'GetPolicyVersion',
  ],
  secretsmanager: ['GetSecretValue', 'DescribeSecret', 'GetResourcePolicy'],
  kms: ['DescribeKey', 'GetKeyPolicy', 'ListAliases'],
  cloudtrail: ['DescribeTrails', 'GetTrailStatus', 'GetEventSelectors'],
  ec2: [
    'DescribeSecurityGroups',
    'DescribeSecurityGroupRules',
    'DescribeNetworkInterfaces',
    'DescribeVpcs',
    'DescribeSubnets',
    'DescribeRouteTables',
    'DescribeNetworkAcls',
    'DescribeVpcPeeringConnections',
    'DescribeTransitGatewayAttachments',
    'DescribeTransitGateways',
    'DescribeVpcEndpoints',
    'DescribeNatGateways',
    'DescribeManagedPrefixLists',
    'GetManagedPrefixListEntries',
  ],
  eks: [
    'DescribeCluster',
    'ListPodIdentityAssociations',
    'DescribePodIdentityAssociation',
    'ListAddons',
    'DescribeAddon',
  ],
  redshift: ['DescribeClusters'],
  rds: ['DescribeDBInstances', 'DescribeDBClusters'],
  athena: ['GetWorkGroup'],
};

export function isAllowedOperation(service: ServiceId, operation: string): boolean {
  return (ALLOWED_OPERATIONS[service] ?? []).includes(operation);
}
