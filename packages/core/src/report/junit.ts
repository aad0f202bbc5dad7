// JUnit XML, kube-bench style: one testsuite per area, one testcase per outcome; fail → <failure message=remedy>,
// warn and skip → <skipped/>, error → <error>; the outcome's JSON in system-out.
import type { Outcome, Report } from '../types.ts';

export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

function remedyText(o: Outcome): string {
  if (!o.remedy) return o.summary;
  return [o.remedy.text, ...(o.remedy.commands ?? [])].join('\n');
}

function testcase(o: Outcome): string {
  const name = o.subject !== undefined ? `${o.probe} ${o.subject}` : o.probe;
  const attrs = `classname="${xmlEscape(o.probe)}" name="${xmlEscape(`${name}: ${o.code}`)}" time="${(o.durationMs / 1000).toFixed(3)}"`;
  let inner = '';
  if (o.status === 'fail') inner = `<failure message="${xmlEscape(remedyText(o))}" type="${xmlEscape(o.code)}">${xmlEscape(o.summary)}</failure>`;
  else if (o.status === 'error') inner = `<error message="${xmlEscape(o.summary)}" type="${xmlEscape(o.code)}"/>`;
  else if (o.status === 'warn' || o.status === 'skip') inner = `<skipped message="${xmlEscape(`${o.status}: ${o.summary}`)}"/>`;
  return `    <testcase ${attrs}>${inner}<system-out>${cdata(JSON.stringify(o))}</system-out></testcase>`;
}

export function renderJunit(report: Report): string {
  const byProbeArea = new Map<string, Outcome[]>();
  for (const o of report.outcomes) {
    const area = o.probe.split('.')[0]!;
    if (!byProbeArea.has(area)) byProbeArea.set(area, []);
    byProbeArea.get(area)!.push(o);
  }
  const suites = [...byProbeArea.entries()].map(([area, outcomes]) => {
    const count = (s: string) => outcomes.filter((o) => o.status === s).length;
    const time = outcomes.reduce((t, o) => t + o.durationMs, 0) / 1000;
    return [
      `  <testsuite name="${xmlEscape(area)}" tests="${outcomes.length}" failures="${count('fail')}" errors="${count('error')}" skipped="${count('warn') + count('skip')}" time="${time.toFixed(3)}" timestamp="${xmlEscape(report.startedAt)}">`,
      ...outcomes.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  const s = report.summary;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gateway-doctor" tests="${report.outcomes.length}" failures="${s.fail}" errors="${s.error}" skipped="${s.warn + s.skip}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
