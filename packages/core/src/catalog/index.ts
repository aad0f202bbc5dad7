// The code catalog: every diagnosis code with its default status. Add freely; rename nothing (CATALOG.md).
import type { Status } from '../types.ts';
import type { CodeInfo } from './types.ts';
import { genericCodes } from './generic.ts';
import { identityCodes } from './identity.ts';
import { policyCodes } from './policy.ts';
import { secretsCodes } from './secrets.ts';
import { networkCodes } from './network.ts';
import { servicesCodes } from './services.ts';

export type { CodeInfo } from './types.ts';

export const CODES = {
  ...genericCodes,
  ...identityCodes,
  ...policyCodes,
  ...secretsCodes,
  ...networkCodes,
  ...servicesCodes,
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

export function isCode(code: string): code is Code {
  return Object.prototype.hasOwnProperty.call(CODES, code);
}

/** The status an outcome with this code has by default; throws on an unknown code (a programming error). */
export function defaultStatus(code: string): Status {
  if (!isCode(code)) throw new Error(`unknown diagnosis code ${code}: add it to packages/core/src/catalog/`);
  return CODES[code].status;
}
