// The selected outcome in full: summary, causes, evidence, the fix, the doc page. Commands and policy JSON
// are on lines of their own with nothing else on them (no border, no indent, no bullet) so they copy cleanly.
import { Box, Text } from 'ink';
import type { Outcome } from '@gateway-doctor/core/types.ts';
import { detailLines } from '../layout.ts';
import type { DetailLine } from '../layout.ts';
import { useTheme } from '../hooks/use-theme.ts';
import type { Theme } from '../theme.ts';

export interface DetailPaneProps {
  outcome: Outcome;
  /** Lines available, including the separator line. */
  height: number;
  columns: number;
  /** First detail line shown (space/PgDn, b/PgUp). */
  scroll: number;
}

function lineColor(line: DetailLine, outcome: Outcome, theme: Theme): string | undefined {
  switch (line.kind) {
    case 'title':
      return theme.statusColor(outcome.status);
    case 'command':
    case 'policy':
      return theme.command;
    case 'heading':
    case 'docs':
      return theme.muted;
    default:
      return undefined;
  }
}

export function DetailPane({ outcome, height, columns, scroll }: DetailPaneProps) {
  const theme = useTheme();
  const lines = detailLines(outcome, columns);
  const room = Math.max(1, height - 1);
  const start = Math.min(scroll, Math.max(0, lines.length - room));
  const more = lines.length - start - room;
  const shown = lines.slice(start, start + (more > 0 ? room - 1 : room));
  const below = lines.length - start - shown.length;
  return (
    <Box flexDirection="column">
      <Text color={theme.muted} wrap="truncate-end">
        {`── details ${start > 0 ? `(${start} lines above, b/PgUp) ` : ''}${'─'.repeat(Math.max(0, columns))}`}
      </Text>
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate-end" bold={line.kind === 'title' || line.kind === 'heading'} color={lineColor(line, outcome, theme)}>
          {line.text === '' ? ' ' : line.text}
        </Text>
      ))}
      {below > 0 ? <Text color={theme.muted}>{`… ${below} more lines (space/PgDn)`}</Text> : null}
    </Box>
  );
}
