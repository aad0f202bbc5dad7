// The key bindings. Only active where raw mode is supported: ink's useInput throws on a non-TTY stdin.
import { useInput, useStdin } from 'ink';
import type { Key } from 'ink';
import type { TuiActions } from '../context.ts';

export const KEY_HELP = '↑/↓ j/k select · enter details · f failures · r re-run · R all · s save · q quit';

interface Press {
  input: string;
  up?: boolean;
  down?: boolean;
  enter?: boolean;
  escape?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  ctrl?: boolean;
}

/**
 * ink hands keys typed faster than it reads them (or pasted) over as one string: "jjj", "j\r". Each character
 * of such a burst is a key press of its own.
 */
export function presses(input: string, key: Key): Press[] {
  const special = key.upArrow || key.downArrow || key.pageUp || key.pageDown || key.escape || key.ctrl || key.meta;
  if (input.length <= 1 || special) {
    return [{ input, up: key.upArrow, down: key.downArrow, enter: key.return, escape: key.escape, pageUp: key.pageUp, pageDown: key.pageDown, ctrl: key.ctrl }];
  }
  return [...input].map((ch) => ({ input: ch, enter: ch === '\r' || ch === '\n' }));
}

export function useKeys(actions: TuiActions, detailsOpen: boolean): boolean {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      for (const press of presses(input, key)) {
        const ch = press.input;
        if (press.up || ch === 'k') actions.moveSelection(-1);
        else if (press.down || ch === 'j') actions.moveSelection(1);
        else if (press.enter) actions.toggleDetails();
        else if (press.escape && detailsOpen) actions.closeDetails();
        else if (press.pageDown || ch === ' ') actions.scrollDetails(5);
        else if (press.pageUp || ch === 'b') actions.scrollDetails(-5);
        else if (ch === 'f') actions.toggleFailuresOnly();
        else if (ch === 'r') actions.rerunSelected();
        else if (ch === 'R') actions.rerunAll();
        else if (ch === 's') actions.save();
        else if (ch === 'q' || (press.ctrl && ch === 'c')) actions.quit();
      }
    },
    { isActive: isRawModeSupported === true },
  );
  return isRawModeSupported === true;
}
