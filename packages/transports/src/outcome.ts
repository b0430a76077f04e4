import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import { TransportError, maskerFor } from '@latchkey/broker';
import type { Json } from '@latchkey/contracts';
import { elapsedSince, withDeadline } from './deadline.js';
import { bestMessage, classifyNetwork, type Classified, type Target } from './errors.js';

/** A driver's own reading of its errors (auth, database not found); null to fall back to the network classes. */
export type DriverClassifier = (err: unknown) => Classified | null;

export interface Probe {
  message: string;
  details?: Record<string, Json>;
}

/** Classified, with every secret of the connection masked: the only way an error leaves a transport. */
export function classify(err: unknown, connection: ResolvedConnection, target: Target, driver?: DriverClassifier): Classified {
  const c = (err instanceof TransportError ? { code: err.code, message: err.message } : null) ??
    driver?.(err) ??
    classifyNetwork(err, target) ?? { code: 'other' as const, message: bestMessage(err) };
  return { code: c.code, message: maskerFor(connection.secrets).mask(c.message) };
}

export function failure(err: unknown, connection: ResolvedConnection, target: Target, driver?: DriverClassifier): TransportError {
  const c = classify(err, connection, target, driver);
  return new TransportError(c.code, c.message);
}

/** Runs a test probe under the deadline and turns whatever happens into a TestOutcome. */
export async function runTest(
  connection: ResolvedConnection,
  target: Target,
  probe: (signal: AbortSignal) => Promise<Probe>,
  driver?: DriverClassifier,
  onTimeout?: () => void,
): Promise<TestOutcome> {
  const start = performance.now();
  try {
    const result = await withDeadline(target.timeoutMs, probe, onTimeout);
    const masker = maskerFor(connection.secrets);
    const outcome: TestOutcome = { ok: true, code: 'ok', message: masker.mask(result.message), latencyMs: elapsedSince(start) };
    if (result.details) outcome.details = masker.maskDeep(result.details) as Record<string, Json>;
    return outcome;
  } catch (err) {
    const c = classify(err, connection, target, driver);
    return { ok: false, code: c.code, message: c.message, latencyMs: elapsedSince(start) };
  }
}
