import type { TestResult } from '@latchkey/contracts';
import { testResultText } from './format';

export type TestState = { kind: 'idle' } | { kind: 'running' } | { kind: 'done'; result: TestResult } | { kind: 'failed'; message: string };

/** The spinner, then "✓ Connected (82 ms)" or "✗ <what went wrong>", announced to screen readers. */
export function TestResultView({ state }: { state: TestState }) {
  return (
    <div role="status" aria-live="polite" className="test-result">
      {state.kind === 'running' && (
        <span className="testing">
          <span className="spinner" aria-hidden="true" />
          Testing…
        </span>
      )}
      {state.kind === 'done' && <span className={state.result.ok ? 'test-ok' : 'test-fail'}>{testResultText(state.result)}</span>}
      {state.kind === 'failed' && <span className="test-fail">✗ The test could not run: {state.message}</span>}
    </div>
  );
}
