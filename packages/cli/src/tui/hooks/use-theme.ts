// Colours by meaning, decided once from NO_COLOR / FORCE_COLOR / TERM / TTY.
import { useContext } from 'react';
import { ThemeContext } from '../context.ts';

export const useTheme = () => useContext(ThemeContext);
