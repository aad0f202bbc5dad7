// The header: what is being diagnosed and from where (role, namespace/SA, cluster, region, pod|laptop).
import { Box, Text } from 'ink';
import { useTuiState } from '../hooks/use-tui-state.ts';
import { useTheme } from '../hooks/use-theme.ts';

export interface HeaderProps {
  /** The tool's version, shown beside its name. */
  version?: string;
}

const join = (parts: [string, string | undefined][]) =>
  parts
    .filter(([, value]) => value)
    .map(([label, value]) => `${label}: ${value}`)
    .join('  ');

export function Header({ version }: HeaderProps) {
  const { context, running, run, scope } = useTuiState();
  const theme = useTheme();
  const status = running
    ? scope
      ? `re-running ${scope.length} probe${scope.length === 1 ? '' : 's'}…`
      : 'running…'
    : run > 0
      ? 'done'
      : 'starting…';
  const sa = context?.namespace || context?.serviceAccount ? `${context?.namespace ?? '?'}/${context?.serviceAccount ?? '?'}` : undefined;
  return (
    <Box flexDirection="column">
      <Box>
        <Text bold color={theme.accent}>
          gateway-doctor
        </Text>
        <Text color={theme.muted}>{version ? ` ${version}` : ''}</Text>
        <Text wrap="truncate-end">
          {` ${status}  `}
          {join([
            ['where', context?.where],
            ['cluster', context?.cluster],
            ['region', context?.region],
          ])}
        </Text>
      </Box>
      <Text wrap="truncate-end">
        {join([
          ['role', context?.roleArn],
          ['namespace/SA', sa],
        ])}
      </Text>
    </Box>
  );
}
