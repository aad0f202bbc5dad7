// The footer: counts by status (words, not only colours), the filter, the latest notice, and the keys.
import { Box, Text } from 'ink';
import { counts } from '../model.ts';
import { KEY_HELP } from '../hooks/use-keys.ts';
import { useTuiState } from '../hooks/use-tui-state.ts';
import { useTheme } from '../hooks/use-theme.ts';

export interface FooterProps {
  /** Show the key line (only when keys work). */
  keys: boolean;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function Footer({ keys }: FooterProps) {
  const state = useTuiState();
  const theme = useTheme();
  const c = counts(state);
  const parts: { text: string; color?: string }[] = [
    { text: `${c.pass} passed`, color: c.pass ? theme.ok : undefined },
    { text: plural(c.warn, 'warning', 'warnings'), color: c.warn ? theme.warn : undefined },
    { text: `${c.fail} failed`, color: c.fail ? theme.fail : undefined },
    { text: `${c.skip} skipped`, color: theme.muted },
    { text: plural(c.error, 'error', 'errors'), color: c.error ? theme.error : undefined },
  ];
  if (c.running || c.queued) parts.push({ text: `${c.running} running, ${c.queued} queued`, color: theme.accent });
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        {parts.map((part, i) => (
          <Text key={part.text} color={part.color}>
            {i > 0 ? ', ' : ''}
            {part.text}
          </Text>
        ))}
        {state.failuresOnly ? <Text color={theme.warn}>{`  [failures only: ${c.hidden} hidden]`}</Text> : null}
      </Text>
      {state.notice ? (
        <Text wrap="truncate-end" color={theme.accent}>
          {state.notice}
        </Text>
      ) : null}
      {keys ? (
        <Text wrap="truncate-end" color={theme.muted}>
          {KEY_HELP}
        </Text>
      ) : null}
    </Box>
  );
}
