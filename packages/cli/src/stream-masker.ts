import { createMasker } from '@latchkey/broker';

/**
 * Masks a child's output stream for the values `latchkey run` gave it. A value can arrive split
 * across two writes (the child flushed mid-line, the pipe cut a chunk), so the tail of what has
 * arrived is held back while it could still be the start of a value in one of its forms; the
 * rest goes out at once, masked by the broker's masker (every common encoding). Holding back only
 * a possible prefix keeps interactive output interactive.
 */
export interface StreamMasker {
  /** Masked text ready to write now. */
  push(chunk: string): string;
  /** What was held back, masked: the stream ended. */
  end(): string;
}

/** The forms of a value whose beginnings are held back (the masker knows more, mid-text). */
function forms(value: string): string[] {
  const b64 = Buffer.from(value).toString('base64').replace(/=+$/, '');
  return [
    value,
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
    value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
    b64,
    b64.replace(/\+/g, '-').replace(/\//g, '_'),
    Buffer.from(value).toString('hex'),
  ];
}

export function createStreamMasker(values: readonly string[]): StreamMasker {
  const masker = createMasker(values);
  const prefixes = [...new Set(values.flatMap(forms))].filter((f) => f.length > 1);
  const longest = prefixes.reduce((n, f) => Math.max(n, f.length), 0);
  let held = '';

  /** Length of the longest tail of `text` that is a proper beginning of some form. */
  const heldTail = (text: string): number => {
    const max = Math.min(text.length, longest - 1);
    for (let k = max; k > 0; k--) {
      const tail = text.slice(text.length - k);
      if (prefixes.some((f) => f.length > k && f.startsWith(tail))) return k;
    }
    return 0;
  };

  return {
    push(chunk) {
      if (!values.length) return chunk;
      // Whole values (in any form) are masked first; what remains at the end may be a value's start.
      const text = masker.mask(held + chunk);
      const keep = heldTail(text);
      held = text.slice(text.length - keep);
      return text.slice(0, text.length - keep);
    },
    end() {
      const rest = held;
      held = '';
      return masker.mask(rest);
    },
  };
}
