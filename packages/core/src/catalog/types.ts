// The shape of one entry in the code catalog (CATALOG.md is the contract; these files are its typed form).
import type { Status } from '../types.ts';

export interface CodeInfo {
  /** The status an outcome with this code has unless a probe says otherwise (CATALOG.md marks). */
  status: Status;
  /** One line: what the code means. */
  title: string;
}
export type CodeTable = Record<string, CodeInfo>;
