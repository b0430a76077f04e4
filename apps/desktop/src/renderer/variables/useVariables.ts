import { useCallback, useEffect, useState } from 'react';
import type { Variable } from '@latchkey/contracts';
import { useApi } from '../api';
import { errorMessage } from '../ui/errors';

/** The variables, reloaded whenever the broker says they changed (variables:changed). */
export function useVariables(): { variables: Variable[] | null; failure: string | null; reload: () => Promise<void> } {
  const api = useApi();
  const [variables, setVariables] = useState<Variable[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      setVariables(await api.variables.list());
      setFailure(null);
    } catch (error) {
      setFailure(errorMessage(error, 'Could not load the variables.'));
    }
  }, [api]);
  useEffect(() => {
    void reload();
    return api.on('variables:changed', () => void reload());
  }, [api, reload]);
  return { variables, failure, reload };
}
