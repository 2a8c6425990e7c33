import type { OutpostCore } from '../core/server/core.js';
import type { ContractError } from '../core/contract/errors.js';

/**
 * `core.dispatch` for tests and benches that expect success: resolves with the value, or rejects
 * with an Error naming the command and the contract error's code and message. Takes the core, or a
 * getter for a core made later (in a beforeAll).
 */
export function dispatchOrThrow(core: Pick<OutpostCore, 'dispatch'> | (() => Pick<OutpostCore, 'dispatch'>)) {
  return async <T = unknown>(command: string, input: unknown): Promise<T> => {
    const r = await (typeof core === 'function' ? core() : core).dispatch(command, input);
    if (!r.ok) throw new Error(`${command}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
}

/**
 * `core.dispatch` for tests that expect a refusal: resolves with the contract error, or rejects when
 * the command succeeded (naming the command and what it returned).
 */
export function dispatchError(core: Pick<OutpostCore, 'dispatch'> | (() => Pick<OutpostCore, 'dispatch'>)) {
  return async (command: string, input: unknown): Promise<ContractError> => {
    const r = await (typeof core === 'function' ? core() : core).dispatch(command, input);
    if (r.ok) throw new Error(`${command} succeeded: ${JSON.stringify(r.value)}`);
    return r.error;
  };
}
