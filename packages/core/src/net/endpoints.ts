// The external endpoints the gateway talks to, by the names the config uses (WORLD.md: `external`), and the
// host each subject probes. `powerbi` is two hosts, so two subjects.
import type { Config, ExternalName } from '../types.ts';

export interface ExternalEndpoint {
  /** The subject: sts, sts-global, secretsmanager, athena, s3, powerbi-api, powerbi-login. */
  name: string;
  host: string;
  port: number;
  /** The AWS service the name belongs to (for interface endpoints: com.amazonaws.<region>.<service>). */
  awsService?: string;
}

export function externalEndpoints(config: Pick<Config, 'external' | 'region'>): ExternalEndpoint[] {
  const out: ExternalEndpoint[] = [];
  const r = config.region;
  for (const name of config.external ?? []) out.push(...endpointsFor(name, r));
  return out;
}

export function endpointsFor(name: ExternalName | string, region: string): ExternalEndpoint[] {
  switch (name) {
    case 'sts':
      return [{ name, host: `sts.${region}.amazonaws.com`, port: 443, awsService: 'sts' }];
    case 'sts-global':
      return [{ name, host: 'sts.amazonaws.com', port: 443 }];
    case 'secretsmanager':
    case 'athena':
    case 's3':
      return [{ name, host: `${name}.${region}.amazonaws.com`, port: 443, awsService: name }];
    case 'powerbi':
      return [
        { name: 'powerbi-api', host: 'api.powerbi.com', port: 443 },
        { name: 'powerbi-login', host: 'login.microsoftonline.com', port: 443 },
      ];
    default:
      return [];
  }
}

export function externalEndpoint(config: Pick<Config, 'external' | 'region'>, subject: string): ExternalEndpoint | undefined {
  return externalEndpoints(config).find((e) => e.name === subject);
}
