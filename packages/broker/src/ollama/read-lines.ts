/**
 * Feeds a fetch body to `onLine` one line at a time (Ollama streams progress as JSON lines).
 * A line longer than `maxLineBytes` is cut there; the rest of it up to the newline is dropped,
 * so a peer that never sends a newline cannot make the broker hold an unbounded buffer.
 */
export async function readLines(body: ReadableStream<Uint8Array> | null, onLine: (line: string) => void, maxLineBytes: number): Promise<void> {
  if (!body) return;
  const decoder = new TextDecoder();
  let pending = '';
  let skipping = false;
  const reader = body.getReader();
  const emit = (line: string) => {
    const trimmed = line.trim();
    if (trimmed) onLine(trimmed);
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const parts = (pending + decoder.decode(value, { stream: true })).split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      if (skipping) skipping = false;
      else emit(part.slice(0, maxLineBytes));
    }
    if (pending.length > maxLineBytes) {
      if (!skipping) emit(pending.slice(0, maxLineBytes));
      skipping = true;
      pending = '';
    }
  }
  if (!skipping) emit(pending + decoder.decode());
}
