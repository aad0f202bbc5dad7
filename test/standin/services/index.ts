// The stand-in's service modules. Register a module with ONE line: `export { default as <name> } from './<file>.ts';`
// (each module file does `export default { signingName, protocol, operations, ... } satisfies ServiceModule;`).
export { default as sts } from './sts.ts';
export { default as iam } from './iam.ts';
export { default as secretsmanager } from './secretsmanager.ts';
export { default as kms } from './kms.ts';
export { default as cloudtrail } from './cloudtrail.ts';
export { default as athena } from './athena.ts';
export { default as eks } from './eks.ts';
export { default as ec2 } from './ec2.ts';
export { default as redshift } from './redshift.ts';
export { default as rds } from './rds.ts';
