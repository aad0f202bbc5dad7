// The read-only guard: a named middleware on every client that refuses, before anything is serialised or sent,
// any command whose name is not on the allowlist (allowlist.ts). It is the last word, whatever a probe asks for.
import type { ServiceId } from '../types.ts';
import { isAllowedOperation } from './allowlist.ts';
import { AwsCallError } from './errors.ts';

export const GUARD_MIDDLEWARE_NAME = 'gatewayDoctorReadOnlyGuard';

interface MiddlewareStackLike {
  add(middleware: unknown, options: { step: string; name: string; priority?: string; tags?: string[]; override?: boolean }): void;
}

/** The operation name a command context carries: `commandName` without its `Command` suffix. */
export function operationOf(commandName: string | undefined): string {
  return (commandName ?? '').replace(/Command$/, '');
}

export function guardError(service: ServiceId, operation: string): AwsCallError {
  return new AwsCallError({
    service,
    operation,
    kind: 'refused-by-guard',
    awsCode: 'RefusedByReadOnlyGuard',
    message: `gateway-doctor is read-only: ${service}:${operation} is not on its allowlist, so it was not sent`,
  });
}

/** Adds the guard to a client's middleware stack (initialize step, high priority: before serialisation). */
export function addReadOnlyGuard(stack: MiddlewareStackLike, service: ServiceId): void {
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const operation = operationOf(context.commandName);
      if (!isAllowedOperation(service, operation)) throw guardError(service, operation || '(unnamed command)');
      return next(args);
    },
    { step: 'initialize', name: GUARD_MIDDLEWARE_NAME, priority: 'high', tags: ['GATEWAY_DOCTOR', 'READ_ONLY'] },
  );
}
