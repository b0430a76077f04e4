// TEST FIXTURE ONLY. Each command tries to end the HOST through its frame channel, past the
// SDK: lines written straight onto the channel's descriptor (fd 3) — nested 100,000 deep, not
// JSON, not UTF-8, longer than any frame. Node 20's permission model does not guard fds.
import { writeSync } from 'node:fs';

const CHANNEL_FD = 3;
const nestedText = (depth) => '['.repeat(depth) + ']'.repeat(depth);
/** writeSync on a non-blocking pipe may write part of a long buffer; this writes all of it. */
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

export default {
  activate(ctx) {
    ctx.commands.register('writeDeepLines', async ({ depth }) => {
      const lines = [
        `{"t":"command-result","id":0,"result":{"ok":true,"value":${nestedText(depth)}}}`,
        `{"t":"call","id":98,"channel":"connections:list","input":{"a":${nestedText(depth)}}}`,
        JSON.stringify(`{"t":"call","id":97,"channel":"connections:list","input":${nestedText(depth)}}`),
      ];
      for (const line of lines) writeAll(`${line}\n`);
      return lines.length;
    });
    ctx.commands.register('writeGarbage', async () => {
      const lines = [Buffer.from('garbage\n'), Buffer.from([0x7b, 0xff, 0xfe, 0xc0, 0x80, 0x7d, 0x0a]), Buffer.from('{"t":"call","id":1,\n'), Buffer.from('\u0000\u0001\n')];
      for (const line of lines) writeAll(line);
      return lines.length;
    });
    /** One line longer than the host accepts, sent in pieces; the next line must still be read. */
    ctx.commands.register('writeHuge', async ({ length }) => {
      writeAll(`{"t":"call","id":96,"channel":"connections:list","input":{"pad":"`);
      for (let sent = 0; sent < length; sent += 65536) writeAll('x'.repeat(65536));
      writeAll('"}}\n');
      return 1;
    });
    /** Through the SDK: the runtime refuses to send what the host would refuse, with a typed error. */
    ctx.commands.register('sdkDeepCall', async ({ depth }) => {
      let v = [];
      for (let i = 1; i < depth; i++) v = [v];
      try {
        await ctx.connections.list({ nested: v });
        return 'accepted';
      } catch (error) {
        return String(error && error.code);
      }
    });
    ctx.commands.register('ping', async () => ({ pong: true }));
  },
};
