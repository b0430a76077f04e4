/** Ollama model operations' bounds, apart from the service so BrokerOptions can name them without importing it. */
export interface OllamaOptions {
  /** Listing and deleting: used when the connection sets no timeout of its own. */
  requestTimeoutMs: number;
  /** A pull that sends no progress line for this long is stopped (a stalled server). */
  pullIdleMs: number;
  /** No pull runs longer than this, whatever it sends. */
  pullMaxMs: number;
  /** Pulls running at once, over every connection (each holds a socket and two timers). */
  maxPulls: number;
}

export const DEFAULT_OLLAMA_OPTIONS: OllamaOptions = { requestTimeoutMs: 10_000, pullIdleMs: 120_000, pullMaxMs: 6 * 60 * 60_000, maxPulls: 4 };
