// TEST FIXTURE ONLY. The fuzz test hands this extension lines (text, or bytes in base64) to
// write straight onto its channel (fd 3), and call frames whose answers it collects by
// watching what the runtime parses. A last, valid call marks the end of the batch: the host
// reads lines in order, so once its answer is back every line before it has been read.
import { writeSync } from 'node:fs';

const CHANNEL_FD = 3;
const answers = new Map();
const waiting = new Map();
const parse = JSON.parse;
JSON.parse = function (text, reviver) {
  const value = parse.call(this, text, reviver);
  if (value && typeof value === 'object' && value.t === 'result' && value.id >= 1_000_000) {
    answers.set(value.id, value.result);
    waiting.get(value.id)?.();
  }
  return value;
};

function writeAll(data) {
  let buffer = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(writeSync(CHANNEL_FD, buffer));
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
}

const answerTo = (id) =>
  answers.has(id) ? Promise.resolve(answers.get(id)) : new Promise((resolve) => waiting.set(id, () => resolve(answers.get(id))));

let nextId = 1_000_000;

export default {
  activate(ctx) {
    /** items: { call: { channel, input } } | { text } | { base64 } */
    ctx.commands.register('fire', async ({ items }) => {
      const calls = [];
      for (const item of items) {
        if (item.call) {
          const id = nextId++;
          calls.push(id);
          writeAll(`${JSON.stringify({ t: 'call', id, channel: item.call.channel, input: item.call.input })}\n`);
        } else if (item.text !== undefined) writeAll(`${item.text}\n`);
        else writeAll(Buffer.concat([Buffer.from(item.base64, 'base64'), Buffer.from('\n')]));
      }
      const marker = nextId++;
      writeAll(`${JSON.stringify({ t: 'call', id: marker, channel: 'connections:list', input: {} })}\n`);
      await answerTo(marker);
      const results = [];
      for (const id of calls) {
        const r = await answerTo(id);
        results.push(r.ok ? 'OK' : r.error.code);
        answers.delete(id);
      }
      answers.delete(marker);
      return results;
    });
    ctx.commands.register('ping', async () => 'pong');
  },
};
