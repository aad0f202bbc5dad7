// Types of a loaded world (WORLD.md): what loadWorld returns after validation and defaults.
import type { z } from 'zod';
import type { worldSchema, podSchema, expectationSchema, gatewaySchema, networkSchema } from './schema.ts';

type ParsedWorld = z.output<typeof worldSchema>;
type ParsedPod = z.output<typeof podSchema>;

/** The pod with every default filled in (WORLD.md "pod"). */
export type Pod = ParsedPod & {
  namespace: string;
  serviceAccount: string;
  name: string;
  uid: string;
  nodeName: string;
  securityGroupIds: string[];
  nodeRoleArn: string;
  /** present (with defaults) whenever injected is irsa or both */
  irsa?: { roleArn: string; oidcProviderExists: boolean };
};

export type Gateway = z.output<typeof gatewaySchema>;
export type Network = z.output<typeof networkSchema>;
export type Expectation = z.output<typeof expectationSchema>;

export type World = Omit<ParsedWorld, 'pod'> & {
  pod: Pod;
};

export type IamSection = NonNullable<World['iam']>;
export type RoleDetail = NonNullable<IamSection['RoleDetailList']>[number];
export type Ec2Section = NonNullable<World['ec2']>;
export type EksSection = NonNullable<World['eks']>;

export interface LoadedWorld {
  world: World;
  /** `warning: <path>: field not used by the stand-in` lines, one per unused field of an AWS-shaped section */
  warnings: string[];
}
