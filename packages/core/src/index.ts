// @gateway-doctor/core — the public API. Front ends (CLI, TUI, Job) and embedders import from here.
//   import { runProbes, loadConfig } from '@gateway-doctor/core';
//   for await (const event of runProbes(loadConfig({ file: 'config.yaml' }))) ...
export * from './types.ts';
export { CODES, isCode, defaultStatus, type Code, type CodeInfo } from './catalog/index.ts';
export { runProbes, runToReport, selectProbes, TOOL, SCHEMA_VERSION } from './runner.ts';
export { buildRegistry, RegistryError, type Registry } from './registry.ts';
export { allProbes } from './probes/index.ts';
export {
  loadConfig,
  parseConfig,
  configSchema,
  ConfigError,
  isConfigError,
  podIdentityDefaults,
  CONFIG_FLAGS,
  CONFIG_FIELDS,
  DEFAULT_OPTIONS,
  DEFAULT_EXTERNAL,
  DEFAULT_SESSION_TAGS,
  EXTERNAL_NAMES,
  type LoadConfigOptions,
} from './config.ts';
export { detectWhere, isWhere } from './where.ts';
export { redact, redactEvidence, redactDeep, registerSecret, clearRegisteredSecrets, MASK } from './redact.ts';
export { createAwsAccess, isAwsAccessRoot, type AwsAccessRoot, type CreateAwsAccessOptions } from './aws/access.ts';
export { AwsCallError, isAwsCallError, classifyAwsError, toAwsCallError } from './aws/errors.ts';
export { ALLOWED_OPERATIONS, isAllowedOperation } from './aws/allowlist.ts';
export { GUARD_MIDDLEWARE_NAME } from './aws/guard.ts';
export { genericErrorFinding, errorEvidence, type GenericErrorOptions } from './probes/helpers.ts';
export {
  formats,
  renderReport,
  isMachineFormat,
  renderJson,
  eventLine,
  renderText,
  formatOutcome,
  formatOutcomeLine,
  formatCounts,
  colorAllowed,
  BOXES,
  renderJunit,
  renderSarif,
  exitCodeFor,
  summarize,
  applyWarnOk,
  type Renderer,
  type RenderOptions,
} from './report/index.ts';
// Policy analysis (policy area): the pure trust/permission analyzers, the contract's documents, offline lint.
export { analyzeTrust, type TrustAnalysis, type SelfAdmission } from './analyze/trust.ts';
export { analyzePermissions, analyzeKmsDecrypt, type KmsDecryptVerdict, type NamedPolicy } from './analyze/permissions.ts';
export type { PolicyContract, PolicyFinding, PolicyLocation } from './analyze/policy-types.ts';
export { trustPolicy, bootstrapTrustPolicy, permissionPolicy, readPolicy, DIAGNOSTIC_READ_ACTIONS, terraformPolicyDocument } from './templates/policies.ts';
export { readLintInput, lintInputs, lintText, lintJson, lintSarif, LintInputError } from './lint/index.ts';
