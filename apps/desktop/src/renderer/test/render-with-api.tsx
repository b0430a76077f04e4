import { render, type RenderResult } from '@testing-library/react';
import type { LatchkeyApi } from '@latchkey/contracts';
import type { ReactNode } from 'react';
import { ApiProvider } from '../api';

/** Renders `ui` as App would, with `api` (the broker-backed one) as the API every screen reaches. */
export function renderWithApi(api: LatchkeyApi, ui: ReactNode): RenderResult {
  return render(<ApiProvider api={api}>{ui}</ApiProvider>);
}
