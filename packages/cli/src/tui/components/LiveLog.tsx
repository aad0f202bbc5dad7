// The view when keys cannot work (stdin is not a TTY but the UI was forced): finished outcomes are printed once
// in <Static> as they arrive — nothing can select or filter them, so they never need to re-render — and only
// the running tasks and the counts below them are redrawn.
import { Box, Static, Text } from 'ink';
import { orderedTasks } from '../model.ts';
import { formatMs } from '../layout.ts';
import { useTuiState } from '../hooks/use-tui-state.ts';
import { useTheme } from '../hooks/use-theme.ts';
import { StatusBox } from './StatusBox.tsx';

export function LiveLog() {
  const state = useTuiState();
  const theme = useTheme();
  const running = orderedTasks(state).filter((task) => task.state === 'running');
  return (
    <Box flexDirection="column">
      <Static items={state.log.map((outcome, i) => ({ outcome, id: i }))}>
        {({ outcome, id }) => (
          <Box key={id}>
            <Box flexShrink={0}>
              <StatusBox status={outcome.status} running={false} />
            </Box>
            <Text>
              {` ${outcome.probe}${outcome.subject ? ` ${outcome.subject}` : ''} `}
              <Text color={theme.statusColor(outcome.status)}>{outcome.code}</Text>
              {` ${outcome.summary} `}
              <Text color={theme.muted}>{formatMs(outcome.durationMs)}</Text>
            </Text>
          </Box>
        )}
      </Static>
      {running.map((task) => (
        <Box key={task.key}>
          <Box flexShrink={0}>
            <StatusBox running />
          </Box>
          <Text color={theme.muted}>{` ${task.probe}${task.subject ? ` ${task.subject}` : ''}`}</Text>
        </Box>
      ))}
    </Box>
  );
}
