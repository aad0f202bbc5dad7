// Read the model (re-renders on every change).
import { useContext } from 'react';
import { StateContext } from '../context.ts';

export const useTuiState = () => useContext(StateContext);
