// The user's actions (stable: never re-renders a component by itself).
import { useContext } from 'react';
import { ActionsContext } from '../context.ts';

export const useTuiActions = () => useContext(ActionsContext);
