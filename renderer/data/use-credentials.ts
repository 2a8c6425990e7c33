import type { CommandOutput } from '../../core/contract';
import { useContractQuery, type QueryState } from './use-contract-query';

export type CredentialProfile = CommandOutput<'credentials.list'>[number];

/** The credential profiles (names and metadata; secrets stay in the vault), re-read on reconnection and reload(). */
export function useCredentials(failureTitle = 'Could not list credential profiles'): QueryState<CredentialProfile[]> {
  return useContractQuery(failureTitle, (c) => c.invoke('credentials.list', {}));
}
