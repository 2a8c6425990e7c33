import { useCallback, useState } from 'react';
import type { CommandInput, CommandName, CommandOutput } from '../../core/contract';
import { errorToast } from '../app/error-toast';
import { useClient, useShellStore } from '../app/shell-context';

export interface ActionHandlers<T> {
  /** The toast's title when the command fails (the toast carries the error's code and message). */
  failure: string;
  done?(value: T): void;
  /** After the failure toast (e.g. re-read what the command may have half changed). */
  failed?(err: unknown): void;
}

export interface ContractAction {
  /** True while a command this hook started is on its way. */
  busy: boolean;
  /** Runs one contract command: `done` with its answer, or a failure toast titled `failure` and then `failed`. */
  run<N extends CommandName>(command: N, input: CommandInput<N>, handlers: ActionHandlers<CommandOutput<N>>): void;
}

/**
 * The one way a view runs a contract command from a button (remove, release, approve...): a
 * failure is always a toast with its code, the same everywhere. Forms with fields to mark use
 * useContractForm instead.
 */
export function useContractAction(): ContractAction {
  const client = useClient();
  const store = useShellStore();
  const [inFlight, setInFlight] = useState(0);
  const run = useCallback(
    <N extends CommandName>(command: N, input: CommandInput<N>, { failure, done, failed }: ActionHandlers<CommandOutput<N>>): void => {
      setInFlight((n) => n + 1);
      client.invoke(command, input).then(
        (value) => {
          setInFlight((n) => n - 1);
          done?.(value);
        },
        (err: unknown) => {
          setInFlight((n) => n - 1);
          store.getState().pushToast(errorToast(failure, err));
          failed?.(err);
        },
      );
    },
    [client, store],
  );
  return { busy: inFlight > 0, run };
}
