import type { Json, TestResult } from '@latchkey/contracts';
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

const DETAIL_LABELS: Record<string, string> = { models: 'Models on this server', tools: 'Tools this server offers' };

/** What a test found besides success, e.g. the models an Ollama server has. */
export function TestDetails({ details }: { details: Record<string, Json> | undefined }) {
  const entries = Object.entries(details ?? {}).filter(([, v]) => v !== null && v !== '');
  if (entries.length === 0) return null;
  return (
    <dl className="test-details">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{DETAIL_LABELS[key] ?? key}</dt>
          <dd>{Array.isArray(value) ? (value.length ? value.map(String).join(', ') : 'none') : typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
