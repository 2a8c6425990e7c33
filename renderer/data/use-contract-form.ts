import { useCallback, useState } from 'react';
import type { CommandInput, CommandName, CommandOutput } from '../../core/contract';
import { errorToast } from '../app/error-toast';
import { useClient, useShellStore } from '../app/shell-context';
import { validationFieldErrors } from './validation-fields';

export interface ContractForm {
  /** Contract VALIDATION messages by dotted field path ("cidr", "reserved.0.start"). */
  errors: Record<string, string>;
  busy: boolean;
  /** Runs the call once at a time; a failure is a toast with its code and marks the named fields. */
  submit<T>(call: () => Promise<T>, onDone: (value: T) => void): void;
  /** submit() of one contract command: the view names the command and its input, and never holds the client. */
  run<N extends CommandName>(command: N, input: CommandInput<N>, onDone: (value: CommandOutput<N>) => void): void;
  /** The operator edited a field: its old error no longer applies. */
  clearError(path: string): void;
}

export function useContractForm(failureTitle: string): ContractForm {
  const client = useClient();
  const store = useShellStore();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const submit = useCallback(
    <T,>(call: () => Promise<T>, onDone: (value: T) => void): void => {
      setBusy(true);
      call().then(
        (value) => {
          setBusy(false);
          setErrors({});
          store.getState().dismissToastsTitled(failureTitle);
          onDone(value);
        },
        (err: unknown) => {
          setBusy(false);
          setErrors(validationFieldErrors(err));
          store.getState().pushToast(errorToast(failureTitle, err));
        },
      );
    },
    [store, failureTitle],
  );

  const run = useCallback(
    <N extends CommandName>(command: N, input: CommandInput<N>, onDone: (value: CommandOutput<N>) => void): void => submit(() => client.invoke(command, input), onDone),
    [client, submit],
  );

  const clearError = useCallback((path: string) => {
    setErrors((e) => {
      if (!(path in e)) return e;
      const { [path]: _cleared, ...rest } = e;
      return rest;
    });
  }, []);

  return { errors, busy, submit, run, clearError };
}
