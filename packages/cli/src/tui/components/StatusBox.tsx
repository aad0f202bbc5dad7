// The status box of one row: a spinner while running, `·` while queued, `[✓] [!] [✗] [-] [☠]` when done.
import { Text } from 'ink';
import Spinner from 'ink-spinner';
import type { Status } from '@gateway-doctor/core/types.ts';
import { useTheme } from '../hooks/use-theme.ts';

export interface StatusBoxProps {
  /** The outcome's status; undefined while the task has not finished. */
  status?: Status;
  /** Whether the task is running now (else queued) — only read when `status` is undefined. */
  running: boolean;
}

export function StatusBox({ status, running }: StatusBoxProps) {
  const theme = useTheme();
  if (status) return <Text color={theme.statusColor(status)}>{theme.box[status]}</Text>;
  if (running)
    return (
      <Text color={theme.accent}>
        [<Spinner type="dots" />]
      </Text>
    );
  return <Text color={theme.muted}>[·]</Text>;
}
