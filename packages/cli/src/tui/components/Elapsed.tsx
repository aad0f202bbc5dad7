// The time a running task has taken so far (its own clock, so only running rows re-render on the tick).
import { Text } from 'ink';
import { formatMs } from '../layout.ts';
import { useNow } from '../hooks/use-now.ts';
import { useTheme } from '../hooks/use-theme.ts';

export interface ElapsedProps {
  /** ms timestamp the task started. */
  since: number;
}

export function Elapsed({ since }: ElapsedProps) {
  const now = useNow();
  const theme = useTheme();
  return <Text color={theme.muted}>{` ${formatMs(Math.max(0, now - since))}`}</Text>;
}
