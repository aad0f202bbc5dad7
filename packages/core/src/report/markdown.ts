// The markdown report, for pasting into a ticket: the context, a table of every outcome in run order, then each
// failure (and error, and warning) with its remedy — prose apart, every command and policy in a fenced block so
// it copies exactly. Input is the already-redacted report; redact() runs once more over the text as a backstop.
import type { Outcome, Report, Status } from '../types.ts';
import { redact } from '../redact.ts';

const LABEL: Record<Status, string> = {
  pass: '✓ pass',
  warn: '! warn',
  fail: '✗ fail',
  skip: '- skip',
  error: '☠ error',
};

/** A table cell: one line, pipes escaped, inline code kept. */
function cell(text: string | undefined): string {
  return (text ?? '').replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}

/** A fence longer than any run of backticks inside, so content can never close it early. */
function fence(content: string, lang: string): string {
  const longest = Math.max(2, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${lang}\n${content}\n${ticks}`;
}

function evidenceValue(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function summaryLine(report: Report): string {
  const s = report.summary;
  return `${s.pass} passed, ${plural(s.warn, 'warning')}, ${s.fail} failed, ${s.skip} skipped, ${plural(s.error, 'error')}`;
}

function title(outcome: Outcome): string {
  return [outcome.probe, outcome.subject, outcome.code].filter(Boolean).join(' · ');
}

function section(outcome: Outcome): string {
  const parts: string[] = [`### ${LABEL[outcome.status]} — ${title(outcome)}`, '', outcome.summary];
  if (outcome.causes?.length) parts.push('', `**Causes:** ${outcome.causes.map((c) => `\`${c}\``).join(', ')}`);
  const evidence = Object.entries(outcome.evidence ?? {});
  if (evidence.length > 0) {
    parts.push('', '**Evidence:**', '');
    for (const [key, value] of evidence) parts.push(`- \`${key}\`: ${cell(evidenceValue(value))}`);
  }
  if (outcome.remedy) {
    parts.push('', `**Fix:** ${outcome.remedy.text}`);
    if (outcome.remedy.commands?.length) parts.push('', fence(outcome.remedy.commands.join('\n'), 'sh'));
    if (outcome.remedy.policy !== undefined) parts.push('', fence(JSON.stringify(outcome.remedy.policy, null, 2), 'json'));
  }
  if (outcome.docs) parts.push('', `Docs: [${outcome.docs}](${outcome.docs})`);
  return parts.join('\n');
}

export function renderMarkdown(report: Report): string {
  const c = report.context;
  const lines: string[] = [
    '# gateway-doctor report',
    '',
    `**${summaryLine(report)}** — exit code ${report.exitCode}`,
    '',
    '| | |',
    '|---|---|',
    `| Where | ${cell(c.where)} |`,
    `| Role | \`${cell(c.roleArn)}\` |`,
    `| Namespace/SA | ${cell(c.namespace ?? '?')}/${cell(c.serviceAccount ?? '?')} |`,
    `| Cluster | ${cell(c.cluster)} |`,
    `| Region | ${cell(c.region)} |`,
  ];
  if (c.node) lines.push(`| Node | ${cell(c.node)} |`);
  lines.push(
    `| Started | ${cell(report.startedAt)} (${report.durationMs} ms) |`,
    `| Tool | ${cell(report.tool.name)} ${cell(report.tool.version)} |`,
    '',
    '## Outcomes',
    '',
    '| Status | Probe | Subject | Code | Summary | ms |',
    '|---|---|---|---|---|--:|',
  );
  for (const o of report.outcomes) {
    lines.push(`| ${LABEL[o.status]} | ${cell(o.probe)} | ${cell(o.subject)} | \`${cell(o.code)}\` | ${cell(o.summary)} | ${Math.round(o.durationMs)} |`);
  }
  const groups: [string, Status[]][] = [
    ['Failures', ['fail']],
    ['Errors (undecided)', ['error']],
    ['Warnings', ['warn']],
  ];
  for (const [heading, statuses] of groups) {
    const selected = report.outcomes.filter((o) => statuses.includes(o.status));
    if (selected.length === 0) continue;
    lines.push('', `## ${heading}`, '', selected.map(section).join('\n\n'));
  }
  return redact(`${lines.join('\n')}\n`);
}

/** The renderer under the name the report registry expects. */
export const render = renderMarkdown;
