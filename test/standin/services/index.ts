// The stand-in's service modules. Register a module with ONE line: `export { default as <name> } from './<file>.ts';`
// (each module file does `export default { signingName, protocol, operations, ... } satisfies ServiceModule;`).
export { default as sts } from './sts.ts';
export { default as iam } from './iam.ts';
