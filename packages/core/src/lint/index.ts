// Offline policy linting (`gateway-doctor lint`): readers for each input kind, the analysis, and its renderers.
export { readLintInput, LintInputError, type LintInput, type InputKind } from './readers.ts';
export { lintInputs, lintText, lintJson, lintSarif, type LintFinding, type LintResult } from './lint.ts';
