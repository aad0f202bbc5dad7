// The heading above each area's probes (identity, policy, secrets, audit, network, services, eks).
import { Text } from 'ink';
import { useTheme } from '../hooks/use-theme.ts';

export interface AreaHeadingProps {
  area: string;
}

export function AreaHeading({ area }: AreaHeadingProps) {
  const theme = useTheme();
  return (
    <Text bold color={theme.muted}>
      {area}
    </Text>
  );
}
