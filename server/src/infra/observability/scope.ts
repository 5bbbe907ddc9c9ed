import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The contract operation (or background task) that work runs for. The route builder and the
 * scheduled tasks set it once; figures recorded deep below (the events a command appended, in
 * handleCommand) read it here instead of every handler passing its operation id down.
 */
const operationScope = new AsyncLocalStorage<string>();

export const inOperation = <T>(operation: string, work: () => T): T => operationScope.run(operation, work);

export const currentOperation = (): string | undefined => operationScope.getStore();
