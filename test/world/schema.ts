// The world format (../../shared/WORLD.md) as zod schemas.
// Sections that are ours are strict: an unknown field is an error naming its path. Sections shaped like an AWS
// API's output are loose: they type-check the fields the stand-in uses and keep everything else, which
// `unusedFieldWarnings` (load.ts) reports as `warning: <path>: field not used by the stand-in`.
import { z } from 'zod';
import { faultsSchema } from '../standin/faults.ts';

// ---------------------------------------------------------------- scalars
const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1');
const arn = z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$/, 'must be an ARN');
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, 'must be an IAM role ARN');
const ipv4 = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/, 'must be an IPv4 address');
const cidr4 = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'must be an IPv4 CIDR');
const port = z.number().int().min(1, 'must be a port 1-65535').max(65535, 'must be a port 1-65535');
const kebab = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case');
const dnsName = z.string().regex(/^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.?$/, 'must be a DNS name');

/** A policy document as the CLI prints it (an object), or as IAM returns it (a JSON string, maybe URL-encoded). */
export const policyDocument = z
  .union([z.record(z.string(), z.unknown()), z.string()])
  .transform((doc, ctx) => {
    if (typeof doc !== 'string') return doc;
    try {
      const text = doc.trimStart().startsWith('%7B') || doc.trimStart().startsWith('%7b') ? decodeURIComponent(doc) : doc;
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // fall through to the issue below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a policy document (an object, or its JSON text)' });
    return z.NEVER;
  });

const str = z.string();
const optStr = z.string().optional();
const optBool = z.boolean().optional();
const optNum = z.number().optional();
/** AWS-shaped object: the listed fields are typed, the others kept and reported as unused. */
const aws = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);
const awsTags = z.array(aws({ Key: str, Value: z.string() })).optional();

// ---------------------------------------------------------------- gateway (ours: the product's config)
export const gatewayTargetSchema = z
  .strictObject({
    name: z.string().min(1),
    host: dnsName.optional(),
    port: port.optional(),
    redshiftClusterId: z.string().min(1).optional(),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-zA-Z]+$/, 'must be a security group id')).optional(),
  })
  .superRefine((t, ctx) => {
    if (!t.host && !t.redshiftClusterId) ctx.addIssue({ code: 'custom', message: 'a target needs host or redshiftClusterId' });
    if (t.host && t.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'required with host' });
  });

export const externalNames = ['sts', 'sts-global', 'secretsmanager', 'athena', 's3', 'powerbi'] as const;

export const gatewaySchema = z.strictObject({
  roleArn,
  platformAccountId: accountId,
  organizationId: z.string().min(1),
  clusterName: z.string().min(1),
  namespace: z.string().min(1).optional(),
  serviceAccount: z.string().min(1).optional(),
  secrets: z.array(z.string().min(1)).optional(),
  targets: z.array(gatewayTargetSchema).optional(),
  external: z.array(z.enum(externalNames)).optional(),
  athenaWorkGroups: z.array(z.string().min(1)).optional(),
  sessionDurationSeconds: z.number().int().min(900).max(43200).optional(),
  sessionTags: z.record(z.string(), z.string()).optional(),
  options: z
    .strictObject({
      probeTimeoutMs: z.number().int().positive().optional(),
      connectTimeoutMs: z.number().int().positive().optional(),
      runTimeoutMs: z.number().int().positive().optional(),
      concurrency: z.number().int().positive().optional(),
      output: z.enum(['text', 'ndjson']).optional(),
    })
    .optional(),
  podIp: ipv4.optional(),
});

// ---------------------------------------------------------------- pod (ours)
export const injectedModes = ['pod-identity', 'irsa', 'both', 'none', 'static-keys'] as const;
export const tokenModes = ['valid', 'empty', 'malformed', 'expired'] as const;
export const agentModes = ['running', 'absent', 'blocked', 'throttled', 'invalid-host', 'legacy-500'] as const;
export const imdsModes = ['blocked', 'node-role', 'absent'] as const;

export const podSchema = z.strictObject({
  namespace: z.string().min(1).optional(), // default: gateway.namespace
  serviceAccount: z.string().min(1).optional(), // default: gateway.serviceAccount
  name: z.string().min(1).optional(), // default derived from the SA and the world's name
  uid: z.string().min(1).optional(), // default derived
  injected: z.enum(injectedModes).default('pod-identity'),
  token: z.enum(tokenModes).default('valid'),
  agent: z.enum(agentModes).default('running'),
  imds: z.enum(imdsModes).default('blocked'),
  ip: ipv4.default('10.0.3.17'),
  nodeName: z.string().min(1).optional(), // default derived from nodeIp
  nodeIp: ipv4.default('10.0.3.5'),
  externalSnat: z.boolean().default(false),
  excludeSnatCidrs: z.array(cidr4).default([]),
  securityGroupIds: z.array(z.string()).optional(), // default: the cluster security group when eks.cluster names one
  nodeRoleArn: roleArn.optional(), // default arn:aws:iam::<account>:role/eks-node
  /** For injected static-keys: whose long-lived keys are in the env (a role or user ARN; default nodeRoleArn). */
  staticKeysFor: arn.optional(),
  irsa: z
    .strictObject({
      roleArn: roleArn.optional(), // default gateway.roleArn
      oidcProviderExists: z.boolean().default(true),
    })
    .optional(),
});

// ---------------------------------------------------------------- iam (get-account-authorization-details)
const rolePolicy = aws({ PolicyName: str, PolicyDocument: policyDocument });
const attachedPolicy = aws({ PolicyName: optStr, PolicyArn: arn });
const boundary = aws({ PermissionsBoundaryType: optStr, PermissionsBoundaryArn: arn });

export const iamSchema = aws({
  RoleDetailList: z
    .array(
      aws({
        RoleName: str,
        Arn: roleArn,
        RoleId: optStr,
        Path: optStr,
        MaxSessionDuration: z.number().int().min(3600).max(43200).optional(),
        AssumeRolePolicyDocument: policyDocument,
        RolePolicyList: z.array(rolePolicy).optional(),
        AttachedManagedPolicies: z.array(attachedPolicy).optional(),
        PermissionsBoundary: boundary.optional(),
        Tags: awsTags,
      }),
    )
    .optional(),
  UserDetailList: z
    .array(
      aws({
        UserName: str,
        Arn: arn,
        UserId: optStr,
        Path: optStr,
        UserPolicyList: z.array(rolePolicy).optional(),
        AttachedManagedPolicies: z.array(attachedPolicy).optional(),
        PermissionsBoundary: boundary.optional(),
        Tags: awsTags,
      }),
    )
    .optional(),
  Policies: z
    .array(
      aws({
        PolicyName: str,
        Arn: arn,
        PolicyId: optStr,
        Path: optStr,
        DefaultVersionId: optStr,
        PolicyVersionList: z.array(
          aws({ VersionId: str, IsDefaultVersion: optBool, Document: policyDocument }),
        ),
      }),
    )
    .optional(),
});

// ---------------------------------------------------------------- organizations (ours)
export const organizationsSchema = z.strictObject({
  /** the AWS Organizations id (aws:PrincipalOrgID / aws:ResourceOrgID), e.g. o-a1b2c3d4e5 */
  organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must be an AWS Organizations id such as o-a1b2c3d4e5').optional(),
  scps: z.array(policyDocument).optional(),
  rcps: z.array(policyDocument).optional(),
});

// ---------------------------------------------------------------- eks
export const eksSchema = aws({
  cluster: aws({
    name: str,
    arn: optStr,
    status: optStr,
    version: optStr,
    endpoint: optStr,
    roleArn: optStr,
    resourcesVpcConfig: aws({
      vpcId: optStr,
      clusterSecurityGroupId: optStr,
      securityGroupIds: z.array(str).optional(),
      subnetIds: z.array(str).optional(),
      endpointPublicAccess: optBool,
      endpointPrivateAccess: optBool,
    }).optional(),
    computeConfig: aws({ enabled: optBool, nodePools: z.array(str).optional(), nodeRoleArn: optStr }).optional(),
    identity: aws({ oidc: aws({ issuer: optStr }).optional() }).optional(),
    tags: z.record(z.string(), z.string()).optional(),
  }).optional(),
  podIdentityAssociations: z
    .array(
      aws({
        namespace: str,
        serviceAccount: str,
        roleArn: roleArn,
        clusterName: optStr,
        associationArn: optStr,
        associationId: optStr,
        disableSessionTags: optBool,
        targetRoleArn: roleArn.optional(),
        externalId: optStr,
        tags: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
  addons: z
    .array(
      aws({
        addonName: str,
        status: optStr,
        addonVersion: optStr,
        configurationValues: optStr,
        health: aws({ issues: z.array(aws({ code: optStr, message: optStr, resourceIds: z.array(str).optional() })).optional() }).optional(),
      }),
    )
    .optional(),
});

// ---------------------------------------------------------------- ec2
const userIdGroupPair = aws({
  GroupId: optStr,
  GroupName: optStr,
  UserId: optStr,
  VpcId: optStr,
  VpcPeeringConnectionId: optStr,
  PeeringStatus: optStr,
  Description: optStr,
});
const ipPermission = aws({
  IpProtocol: z.union([z.string(), z.number()]).transform(String),
  FromPort: optNum,
  ToPort: optNum,
  UserIdGroupPairs: z.array(userIdGroupPair).optional(),
  IpRanges: z.array(aws({ CidrIp: str, Description: optStr })).optional(),
  Ipv6Ranges: z.array(aws({ CidrIpv6: str, Description: optStr })).optional(),
  PrefixListIds: z.array(aws({ PrefixListId: str, Description: optStr })).optional(),
});
const vpcInfo = aws({
  VpcId: optStr,
  OwnerId: optStr,
  Region: optStr,
  CidrBlock: optStr,
  CidrBlockSet: z.array(aws({ CidrBlock: str })).optional(),
  PeeringOptions: aws({ AllowDnsResolutionFromRemoteVpc: optBool }).optional(),
});

export const ec2Schema = aws({
  Vpcs: z
    .array(
      aws({
        VpcId: str,
        CidrBlock: optStr,
        CidrBlockAssociationSet: z.array(aws({ CidrBlock: str, AssociationId: optStr, CidrBlockState: aws({ State: optStr }).optional() })).optional(),
        OwnerId: optStr,
        IsDefault: optBool,
        State: optStr,
        Tags: awsTags,
      }),
    )
    .optional(),
  Subnets: z
    .array(
      aws({
        SubnetId: str,
        VpcId: str,
        CidrBlock: optStr,
        AvailabilityZone: optStr,
        AvailabilityZoneId: optStr,
        State: optStr,
        MapPublicIpOnLaunch: optBool,
        OwnerId: optStr,
        SubnetArn: optStr,
        Tags: awsTags,
      }),
    )
    .optional(),
  SecurityGroups: z
    .array(
      aws({
        GroupId: str,
        GroupName: optStr,
        VpcId: optStr,
        Description: optStr,
        OwnerId: optStr,
        IpPermissions: z.array(ipPermission).optional(),
        IpPermissionsEgress: z.array(ipPermission).optional(),
        Tags: awsTags,
      }),
    )
    .optional(),
  NetworkInterfaces: z
    .array(
      aws({
        NetworkInterfaceId: str,
        SubnetId: optStr,
        VpcId: optStr,
        PrivateIpAddress: optStr,
        PrivateIpAddresses: z.array(aws({ PrivateIpAddress: str, Primary: optBool })).optional(),
        Ipv4Prefixes: z.array(aws({ Ipv4Prefix: str })).optional(),
        Groups: z.array(aws({ GroupId: str, GroupName: optStr })).optional(),
        InterfaceType: optStr,
        Description: optStr,
        Status: optStr,
        OwnerId: optStr,
        RequesterId: optStr,
        RequesterManaged: optBool,
        Attachment: aws({ InstanceId: optStr, AttachmentId: optStr, DeviceIndex: optNum, Status: optStr, NetworkCardIndex: optNum }).optional(),
        Association: aws({ PublicIp: optStr, IpOwnerId: optStr }).optional(),
        TagSet: awsTags,
      }),
    )
    .optional(),
  NetworkAcls: z
    .array(
      aws({
        NetworkAclId: str,
        VpcId: optStr,
        IsDefault: optBool,
        OwnerId: optStr,
        Entries: z
          .array(
            aws({
              RuleNumber: z.number(),
              Protocol: z.union([z.string(), z.number()]).transform(String),
              RuleAction: z.enum(['allow', 'deny']),
              Egress: z.boolean(),
              CidrBlock: optStr,
              Ipv6CidrBlock: optStr,
              PortRange: aws({ From: optNum, To: optNum }).optional(),
              IcmpTypeCode: aws({ Code: optNum, Type: optNum }).optional(),
            }),
          )
          .optional(),
        Associations: z.array(aws({ SubnetId: str, NetworkAclId: optStr, NetworkAclAssociationId: optStr })).optional(),
        Tags: awsTags,
      }),
    )
    .optional(),
  RouteTables: z
    .array(
      aws({
        RouteTableId: str,
        VpcId: optStr,
        OwnerId: optStr,
        Routes: z
          .array(
            aws({
              DestinationCidrBlock: optStr,
              DestinationIpv6CidrBlock: optStr,
              DestinationPrefixListId: optStr,
              GatewayId: optStr,
              NatGatewayId: optStr,
              VpcPeeringConnectionId: optStr,
              TransitGatewayId: optStr,
              NetworkInterfaceId: optStr,
              InstanceId: optStr,
              LocalGatewayId: optStr,
              CarrierGatewayId: optStr,
              CoreNetworkArn: optStr,
              State: optStr,
              Origin: optStr,
            }),
          )
          .optional(),
        Associations: z
          .array(
            aws({
              Main: optBool,
              SubnetId: optStr,
              GatewayId: optStr,
              RouteTableId: optStr,
              RouteTableAssociationId: optStr,
              AssociationState: aws({ State: optStr }).optional(),
            }),
          )
          .optional(),
        PropagatingVgws: z.array(aws({ GatewayId: optStr })).optional(),
        Tags: awsTags,
      }),
    )
    .optional(),
  VpcPeeringConnections: z
    .array(
      aws({
        VpcPeeringConnectionId: str,
        Status: aws({ Code: optStr, Message: optStr }).optional(),
        RequesterVpcInfo: vpcInfo.optional(),
        AccepterVpcInfo: vpcInfo.optional(),
        ExpirationTime: optStr,
        Tags: awsTags,
      }),
    )
    .optional(),
  TransitGateways: z
    .array(
      aws({
        TransitGatewayId: str,
        TransitGatewayArn: optStr,
        State: optStr,
        OwnerId: optStr,
        Options: aws({
          SecurityGroupReferencingSupport: optStr,
          DefaultRouteTableAssociation: optStr,
          DefaultRouteTablePropagation: optStr,
          AssociationDefaultRouteTableId: optStr,
          PropagationDefaultRouteTableId: optStr,
          DnsSupport: optStr,
        }).optional(),
        Tags: awsTags,
      }),
    )
    .optional(),
  TransitGatewayAttachments: z
    .array(
      aws({
        TransitGatewayAttachmentId: str,
        TransitGatewayId: optStr,
        TransitGatewayOwnerId: optStr,
        ResourceOwnerId: optStr,
        ResourceType: optStr,
        ResourceId: optStr,
        State: optStr,
        Association: aws({ TransitGatewayRouteTableId: optStr, State: optStr }).optional(),
        /** DescribeTransitGatewayVpcAttachments' options, inline (e.g. SecurityGroupReferencingSupport) */
        Options: aws({ SecurityGroupReferencingSupport: optStr, DnsSupport: optStr, ApplianceModeSupport: optStr, Ipv6Support: optStr }).optional(),
        SubnetIds: z.array(str).optional(),
        Tags: awsTags,
      }),
    )
    .optional(),
  VpcEndpoints: z
    .array(
      aws({
        VpcEndpointId: str,
        VpcEndpointType: optStr,
        VpcId: optStr,
        ServiceName: optStr,
        State: optStr,
        PrivateDnsEnabled: optBool,
        SubnetIds: z.array(str).optional(),
        RouteTableIds: z.array(str).optional(),
        Groups: z.array(aws({ GroupId: str, GroupName: optStr })).optional(),
        NetworkInterfaceIds: z.array(str).optional(),
        DnsEntries: z.array(aws({ DnsName: optStr, HostedZoneId: optStr })).optional(),
        PolicyDocument: policyDocument.optional(),
        OwnerId: optStr,
        Tags: awsTags,
      }),
    )
    .optional(),
  NatGateways: z
    .array(
      aws({
        NatGatewayId: str,
        SubnetId: optStr,
        VpcId: optStr,
        State: optStr,
        ConnectivityType: optStr,
        NatGatewayAddresses: z
          .array(aws({ PublicIp: optStr, PrivateIp: optStr, AllocationId: optStr, NetworkInterfaceId: optStr, IsPrimary: optBool, Status: optStr }))
          .optional(),
        Tags: awsTags,
      }),
    )
    .optional(),
  ManagedPrefixLists: z
    .array(
      aws({
        PrefixListId: str,
        PrefixListName: optStr,
        AddressFamily: optStr,
        State: optStr,
        MaxEntries: optNum,
        OwnerId: optStr,
        /** (ours) GetManagedPrefixListEntries inline */
        Entries: z.array(aws({ Cidr: str, Description: optStr })).optional(),
        Tags: awsTags,
      }),
    )
    .optional(),
});

// ---------------------------------------------------------------- rds, redshift, athena
const vpcSecurityGroupMembership = aws({ VpcSecurityGroupId: str, Status: optStr });
export const rdsSchema = aws({
  DBInstances: z
    .array(
      aws({
        DBInstanceIdentifier: str,
        DBInstanceArn: optStr,
        DBInstanceStatus: optStr,
        Engine: optStr,
        DBClusterIdentifier: optStr,
        PubliclyAccessible: optBool,
        DbiResourceId: optStr,
        Endpoint: aws({ Address: optStr, Port: optNum, HostedZoneId: optStr }).optional(),
        VpcSecurityGroups: z.array(vpcSecurityGroupMembership).optional(),
        DBSubnetGroup: aws({
          DBSubnetGroupName: optStr,
          VpcId: optStr,
          SubnetGroupStatus: optStr,
          Subnets: z.array(aws({ SubnetIdentifier: str, SubnetAvailabilityZone: aws({ Name: optStr }).optional(), SubnetStatus: optStr })).optional(),
        }).optional(),
      }),
    )
    .optional(),
  DBClusters: z
    .array(
      aws({
        DBClusterIdentifier: str,
        DBClusterArn: optStr,
        Status: optStr,
        Engine: optStr,
        Endpoint: optStr,
        ReaderEndpoint: optStr,
        CustomEndpoints: z.array(str).optional(),
        Port: optNum,
        DBSubnetGroup: optStr,
        VpcSecurityGroups: z.array(vpcSecurityGroupMembership).optional(),
        DBClusterMembers: z.array(aws({ DBInstanceIdentifier: str, IsClusterWriter: optBool })).optional(),
        PubliclyAccessible: optBool,
        DbClusterResourceId: optStr,
      }),
    )
    .optional(),
});

export const redshiftSchema = aws({
  Clusters: z
    .array(
      aws({
        ClusterIdentifier: str,
        ClusterStatus: optStr,
        ClusterAvailabilityStatus: optStr,
        NodeType: optStr,
        VpcId: optStr,
        ClusterSubnetGroupName: optStr,
        PubliclyAccessible: optBool,
        Encrypted: optBool,
        KmsKeyId: optStr,
        DBName: optStr,
        MasterUsername: optStr,
        AvailabilityZone: optStr,
        ClusterNamespaceArn: optStr,
        Endpoint: aws({
          Address: optStr,
          Port: optNum,
          VpcEndpoints: z.array(aws({ VpcEndpointId: optStr, VpcId: optStr })).optional(),
        }).optional(),
        VpcSecurityGroups: z.array(vpcSecurityGroupMembership).optional(),
      }),
    )
    .optional(),
});

export const athenaSchema = aws({
  WorkGroups: z
    .array(
      aws({
        Name: str,
        State: z.enum(['ENABLED', 'DISABLED']).optional(),
        Description: optStr,
        CreationTime: optStr,
        Configuration: aws({
          ResultConfiguration: aws({
            OutputLocation: optStr,
            ExpectedBucketOwner: optStr,
            EncryptionConfiguration: aws({ EncryptionOption: optStr, KmsKey: optStr }).optional(),
            AclConfiguration: aws({ S3AclOption: optStr }).optional(),
          }).optional(),
          EnforceWorkGroupConfiguration: optBool,
          PublishCloudWatchMetricsEnabled: optBool,
          BytesScannedCutoffPerQuery: optNum,
          RequesterPaysEnabled: optBool,
          EngineVersion: aws({ SelectedEngineVersion: optStr, EffectiveEngineVersion: optStr }).optional(),
        }).optional(),
      }),
    )
    .optional(),
});

// ---------------------------------------------------------------- cloudTrail
const eventSelector = aws({
  ReadWriteType: z.enum(['ReadOnly', 'WriteOnly', 'All']).optional(),
  IncludeManagementEvents: optBool,
  DataResources: z.array(aws({ Type: optStr, Values: z.array(str).optional() })).optional(),
  ExcludeManagementEventSources: z.array(str).optional(),
  // advanced event selectors (a trail has one kind or the other)
  Name: optStr,
  FieldSelectors: z
    .array(
      aws({
        Field: str,
        Equals: z.array(str).optional(),
        NotEquals: z.array(str).optional(),
        StartsWith: z.array(str).optional(),
        NotStartsWith: z.array(str).optional(),
        EndsWith: z.array(str).optional(),
        NotEndsWith: z.array(str).optional(),
      }),
    )
    .optional(),
});
export const cloudTrailSchema = aws({
  trailList: z
    .array(
      aws({
        Name: str,
        TrailARN: optStr,
        HomeRegion: optStr,
        IsMultiRegionTrail: optBool,
        IsOrganizationTrail: optBool,
        IncludeGlobalServiceEvents: optBool,
        S3BucketName: optStr,
        S3KeyPrefix: optStr,
        LogFileValidationEnabled: optBool,
        HasCustomEventSelectors: optBool,
        HasInsightSelectors: optBool,
        KmsKeyId: optStr,
        CloudWatchLogsLogGroupArn: optStr,
        CloudWatchLogsRoleArn: optStr,
        SnsTopicName: optStr,
        SnsTopicARN: optStr,
      }),
    )
    .optional(),
  /** (ours) GetTrailStatus per trail name */
  status: z.record(z.string(), aws({ IsLogging: z.boolean(), LatestDeliveryError: optStr, LatestDeliveryTime: optStr })).optional(),
  /** (ours) GetEventSelectors' EventSelectors per trail name; absent: management events, all */
  eventSelectors: z.record(z.string(), z.array(eventSelector)).optional(),
});

// ---------------------------------------------------------------- secretsManager, kms (ours)
export const secretsManagerSchema = z.strictObject({
  secrets: z
    .array(
      z.strictObject({
        ARN: arn,
        Name: z.string().min(1),
        SecretString: z.string().optional(),
        SecretBinary: z.string().optional(),
        VersionId: z.string().optional(),
        KmsKeyId: z.string().optional(),
        ResourcePolicy: policyDocument.optional(),
        DeletedDate: z.union([z.string(), z.null()]).optional(),
        Description: z.string().optional(),
        CreatedDate: z.string().optional(),
        LastChangedDate: z.string().optional(),
        RotationEnabled: z.boolean().optional(),
        Tags: z.array(z.strictObject({ Key: z.string(), Value: z.string() })).optional(),
      }),
    )
    .default([]),
});

export const kmsSchema = z.strictObject({
  keys: z
    .array(
      z.strictObject({
        KeyId: z.string().min(1),
        Arn: arn,
        KeyPolicy: policyDocument.optional(),
        Aliases: z.array(z.string().regex(/^alias\//, 'must start with alias/')).optional(),
        KeyState: z.string().optional(),
        KeyManager: z.enum(['AWS', 'CUSTOMER']).optional(),
        Enabled: z.boolean().optional(),
        Description: z.string().optional(),
      }),
    )
    .default([]),
});

// ---------------------------------------------------------------- network (ours)
export const reachModes = ['open', 'refuse', 'drop', 'reset', 'host-unreachable', 'net-unreachable', 'slow'] as const;
export const dnsFailures = ['nxdomain', 'servfail', 'timeout'] as const;

export const networkSchema = z.strictObject({
  hosts: z.record(dnsName, z.union([z.array(ipv4).min(1), z.enum(dnsFailures)])).default({}),
  /** `address:port` (or `name:port`, resolved through the world's DNS) → what a connection from the pod meets */
  reach: z
    .record(
      z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be address:port'),
      z.enum(reachModes),
    )
    .default({}),
  tls: z.record(dnsName, z.literal('untrusted')).default({}),
});

// ---------------------------------------------------------------- expect (ours)
export const expectationSchema = z
  .strictObject({
    probe: z.string().regex(/^[a-z]+\.[a-z0-9-]+$/, 'must be a probe id such as identity.agent').optional(),
    subject: z.string().min(1).optional(),
    status: z.enum(['pass', 'warn', 'fail', 'skip', 'error']).optional(),
    code: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be a CATALOG.md code').optional(),
    count: z.number().int().min(0).optional(),
    /** why this expectation holds (free text, for readers) */
    note: z.string().optional(),
  })
  .superRefine((e, ctx) => {
    if (e.probe === undefined && e.subject === undefined && e.status === undefined && e.code === undefined)
      ctx.addIssue({ code: 'custom', message: 'an expectation names at least one of probe, subject, status, code' });
  });

// ---------------------------------------------------------------- the world
export const worldSchema = z.strictObject({
  name: kebab,
  description: z.string().min(1).optional(),
  source: z.string().optional(),
  account: accountId,
  region,
  gateway: gatewaySchema,
  pod: podSchema,
  iam: iamSchema.optional(),
  organizations: organizationsSchema.optional(),
  eks: eksSchema.optional(),
  ec2: ec2Schema.optional(),
  rds: rdsSchema.optional(),
  redshift: redshiftSchema.optional(),
  athena: athenaSchema.optional(),
  cloudTrail: cloudTrailSchema.optional(),
  secretsManager: secretsManagerSchema.optional(),
  kms: kmsSchema.optional(),
  network: networkSchema.default({ hosts: {}, reach: {}, tls: {} }),
  /** (ours) fault injection (issue 8, test/standin/faults.ts): passed to startStandin as `faults` */
  faults: faultsSchema.optional(),
  expect: z.array(expectationSchema).min(1, 'a world needs at least one expectation'),
});

/** The AWS-shaped sections whose unknown fields are warnings rather than errors. */
export const awsShapedSections = ['iam', 'eks', 'ec2', 'rds', 'redshift', 'athena', 'cloudTrail'] as const;
