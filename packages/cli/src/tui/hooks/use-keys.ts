// The key bindings. Only active where raw mode is supported: ink's useInput throws on a non-TTY stdin.
import { useInput, useStdin } from 'ink';
import type { TuiActions } from '../context.ts';

export const KEY_HELP = '↑/↓ j/k select · enter details · f failures · r re-run · R all · s save · q quit';

export function useKeys(actions: TuiActions, detailsOpen: boolean): boolean {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (key.upArrow || input === 'k') actions.moveSelection(-1);
      else if (key.downArrow || input === 'j') actions.moveSelection(1);
      else if (key.return) actions.toggleDetails();
      else if (key.escape && detailsOpen) actions.closeDetails();
      else if (key.pageDown || input === ' ') actions.scrollDetails(5);
      else if (key.pageUp || input === 'b') actions.scrollDetails(-5);
      else if (input === 'f') actions.toggleFailuresOnly();
      else if (input === 'r') actions.rerunSelected();
      else if (input === 'R') actions.rerunAll();
      else if (input === 's') actions.save();
      else if (input === 'q' || (key.ctrl && input === 'c')) actions.quit();
    },
    { isActive: isRawModeSupported === true },
  );
  return isRawModeSupported === true;
}
