// The probes grouped by area in run order, windowed to `height` lines around the selection.
//
// Why not <Static> here: Static prints an item once and never again, but every finished row must re-render when
// the selection moves onto or off it, when `f` filters it out, and when `r` re-runs it. So the interactive list
// re-renders, and stays cheap and flicker-free by being windowed to the terminal (each row is one line). The
// non-interactive live view (LiveLog) is where finished rows go to <Static>.
import { Box, Text } from 'ink';
import { listLines, windowLines } from '../layout.ts';
import { useTuiState } from '../hooks/use-tui-state.ts';
import { useTheme } from '../hooks/use-theme.ts';
import { AreaHeading } from './AreaHeading.tsx';
import { ProbeRow } from './ProbeRow.tsx';

export interface ProbeListProps {
  /** Lines available for the list. */
  height: number;
  columns: number;
}

export function ProbeList({ height, columns }: ProbeListProps) {
  const state = useTuiState();
  const theme = useTheme();
  const lines = listLines(state);
  if (lines.length === 0)
    return (
      <Box height={1}>
        <Text color={theme.muted}>{state.failuresOnly ? 'No failures.' : 'Starting…'}</Text>
      </Box>
    );
  const selectedLine = lines.findIndex((line) => line.kind === 'row' && line.row.key === state.selectedKey);
  const view = windowLines(lines, selectedLine, height);
  const longest = Math.max(
    ...lines.map((line) => (line.kind === 'row' ? line.row.task.probe.length + (line.row.task.subject ? line.row.task.subject.length + 1 : 0) : 0)),
  );
  const nameWidth = Math.max(10, Math.min(longest, 64, Math.floor(columns * 0.55)));
  return (
    <Box flexDirection="column">
      {view.lines.map((line, i) =>
        line.kind === 'area' ? (
          <AreaHeading key={`area:${line.area}:${view.start + i}`} area={line.area} />
        ) : (
          <ProbeRow key={line.row.key} row={line.row} selected={line.row.key === state.selectedKey} nameWidth={nameWidth} />
        ),
      )}
    </Box>
  );
}
