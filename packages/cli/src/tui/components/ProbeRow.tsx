// One line of the list: pointer, box, probe id (+ subject), code (+ the summary when not a pass), duration.
// Exactly one terminal line.
import { Box, Text } from 'ink';
import type { Row } from '../model.ts';
import { formatMs } from '../layout.ts';
import { useTheme } from '../hooks/use-theme.ts';
import { StatusBox } from './StatusBox.tsx';
import { Elapsed } from './Elapsed.tsx';

export interface ProbeRowProps {
  row: Row;
  selected: boolean;
  /** Width of the probe column, so codes line up. */
  nameWidth: number;
}

export function ProbeRow({ row, selected, nameWidth }: ProbeRowProps) {
  const theme = useTheme();
  const { task, outcome } = row;
  const name = task.subject ? `${task.probe} ${task.subject}` : task.probe;
  const state = outcome
    ? outcome.code
    : task.state === 'running'
      ? 'running…'
      : 'queued';
  return (
    <Box>
      <Box flexShrink={0}>
        <Text color={selected ? theme.accent : undefined}>{selected ? '› ' : '  '}</Text>
        <StatusBox status={outcome?.status} running={task.state === 'running'} />
        <Text> </Text>
      </Box>
      <Box width={nameWidth} flexShrink={0}>
        <Text wrap="truncate-end" bold={selected}>
          {name}
        </Text>
      </Box>
      <Box flexGrow={1} flexShrink={1} flexBasis={0}>
        <Text wrap="truncate-end">
          <Text color={outcome ? theme.statusColor(outcome.status) : theme.muted}> {state}</Text>
          {outcome && outcome.status !== 'pass' ? <Text color={theme.muted}>{`  ${outcome.summary}`}</Text> : null}
        </Text>
      </Box>
      <Box flexShrink={0}>
        {outcome ? (
          <Text color={theme.muted}>{` ${formatMs(outcome.durationMs)}`}</Text>
        ) : task.state === 'running' && task.startedAt !== undefined ? (
          <Elapsed since={task.startedAt} />
        ) : null}
      </Box>
    </Box>
  );
}
