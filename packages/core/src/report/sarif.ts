// SARIF 2.1.0: one result per non-pass outcome, ruleId = the code, level by status; rules from the catalog.
import type { Outcome, Report } from '../types.ts';
import { CODES, isCode } from '../catalog/index.ts';

const LEVEL: Record<Outcome['status'], 'error' | 'warning' | 'note' | 'none'> = {
  fail: 'error',
  error: 'error',
  warn: 'warning',
  skip: 'note',
  pass: 'none',
};

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export function renderSarif(report: Report): string {
  const codes = [...new Set(report.outcomes.map((o) => o.code))];
  const rules = codes.map((code) => ({
    id: code,
    name: code,
    shortDescription: { text: isCode(code) ? CODES[code].title : code },
    defaultConfiguration: { level: isCode(code) ? LEVEL[CODES[code].status] : 'warning' },
  }));
  const results = report.outcomes.map((o) => ({
    ruleId: o.code,
    ruleIndex: codes.indexOf(o.code),
    level: LEVEL[o.status],
    kind: o.status === 'pass' ? 'pass' : o.status === 'skip' ? 'notApplicable' : o.status === 'error' ? 'review' : 'fail',
    message: { text: o.remedy ? `${o.summary}\n${o.remedy.text}${o.remedy.commands?.length ? '\n' + o.remedy.commands.join('\n') : ''}` : o.summary },
    locations: [
      {
        logicalLocations: [{ name: o.subject ?? o.probe, fullyQualifiedName: o.subject !== undefined ? `${o.probe}/${o.subject}` : o.probe, kind: 'module' }],
      },
    ],
    properties: { probe: o.probe, ...(o.subject !== undefined ? { subject: o.subject } : {}), status: o.status, evidence: o.evidence, ...(o.causes ? { causes: o.causes } : {}) },
  }));
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, informationUri: 'https://github.com/gateway-doctor/gateway-doctor', rules } },
        invocations: [{ executionSuccessful: report.exitCode !== 1, exitCode: report.exitCode, startTimeUtc: report.startedAt }],
        properties: { context: report.context, summary: report.summary },
        results,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
