/**
 * Frames on an extension's pipe: one JSON text per line (JSON.stringify never emits a raw
 * newline). Node's own IPC channel is not used with untrusted children: its reader parses
 * every line (or V8-serialized record) inside Node's internals, where one malformed line
 * written straight onto the descriptor throws an exception no caller can catch and ends the
 * host. Here the host reads bytes itself, caps a line's length while it is still arriving,
 * and hands each whole line to the bounded parser.
 */

/** Delivered instead of a line that grew past the cap; the reader skips to the next newline. */
export const FRAME_TOO_LARGE = Symbol('frame too large');

export interface LineReader {
  push(chunk: string): void;
}

export function createLineReader(maxChars: number, onLine: (line: string | typeof FRAME_TOO_LARGE) => void): LineReader {
  let parts: string[] = [];
  let length = 0;
  let skipping = false;
  return {
    push(chunk) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf('\n', start);
        const piece = nl === -1 ? chunk.slice(start) : chunk.slice(start, nl);
        if (!skipping) {
          length += piece.length;
          if (length > maxChars) {
            // Told once per oversize line, and nothing of it is kept.
            parts = [];
            length = 0;
            skipping = true;
            onLine(FRAME_TOO_LARGE);
          } else if (piece.length > 0) parts.push(piece);
        }
        if (nl === -1) return;
        if (skipping) skipping = false;
        else {
          const line = parts.join('');
          parts = [];
          length = 0;
          if (line.length > 0) onLine(line);
        }
        start = nl + 1;
      }
    },
  };
}
