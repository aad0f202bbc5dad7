// State and actions in separate contexts (ink's own pattern): components that only act don't re-render on
// every event, and components that only read can't change anything.
import { createContext } from 'react';
import type { TuiState } from './model.ts';
import { initialState } from './model.ts';
import type { Theme } from './theme.ts';
import { makeTheme } from './theme.ts';

export interface TuiActions {
  moveSelection(delta: number): void;
  toggleDetails(): void;
  closeDetails(): void;
  scrollDetails(delta: number): void;
  toggleFailuresOnly(): void;
  /** `r`: the selected probe, what needs or waits for it, and their needs. */
  rerunSelected(): void;
  /** `R`: everything. */
  rerunAll(): void;
  /** `s`: json + markdown files; the footer says where. */
  save(): void;
  /** `q`: stop any run and exit with the run's exit code. */
  quit(): void;
}

const noop = () => {};
export const StateContext = createContext<TuiState>(initialState());
export const ActionsContext = createContext<TuiActions>({
  moveSelection: noop,
  toggleDetails: noop,
  closeDetails: noop,
  scrollDetails: noop,
  toggleFailuresOnly: noop,
  rerunSelected: noop,
  rerunAll: noop,
  save: noop,
  quit: noop,
});
export const ThemeContext = createContext<Theme>(makeTheme(false));

