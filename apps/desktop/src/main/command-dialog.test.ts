import { describe, expect, it } from 'vitest';
import { ALLOW_BUTTON, commandDialogOptions, nativeCommandApprover, type CommandDialogOptions } from './command-dialog';

const request = { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp/my notes'], envNames: ['API_KEY'], connectionName: 'Files' };

describe('the native command dialog', () => {
  it('shows the exact command line, quoted where a shell would need it, and the environment names', () => {
    const o = commandDialogOptions(request, new AbortController().signal);
    expect(o.detail).toContain("npx -y @modelcontextprotocol/server-filesystem '/tmp/my notes'");
    expect(o.detail).toContain('API_KEY');
    expect(o.buttons[o.defaultId]).toBe("Don't run");
    expect(o.cancelId).toBe(0);
  });

  it('says what an environment variable that loads code can do: the line the person knows, with NODE_OPTIONS, can run anything', () => {
    const o = commandDialogOptions({ ...request, envNames: ['API_KEY', 'NODE_OPTIONS'] }, new AbortController().signal);
    expect(o.detail).toContain('NODE_OPTIONS can make this program load other code or run another program. Allow it only if you set it yourself.');
    expect(commandDialogOptions(request, new AbortController().signal).detail).not.toContain('load other code');
  });

  it('an action that is not a command line is shown in its own words, with no command line and deny first', () => {
    const purpose = { title: 'Export connections with their secrets?', detail: 'Anyone with the file and passphrase can read them.', allow: 'Export with secrets', deny: 'Don’t export' };
    const o = commandDialogOptions({ command: 'latchkey', args: ['export-connections-with-secrets'], envNames: [], connectionName: purpose.title, purpose }, new AbortController().signal);
    expect(o).toMatchObject({ title: purpose.title, detail: purpose.detail, buttons: ['Don’t export', 'Export with secrets'], defaultId: 0, cancelId: 0 });
    expect(JSON.stringify(o)).not.toContain('latchkey export');
  });

  it('escapes terminal control characters and bidirectional overrides, so what you read is what runs', () => {
    const o = commandDialogOptions({ ...request, args: ['safe\u202Eexe.txt', '\u001b[2Kfake'] }, new AbortController().signal);
    // eslint-disable-next-line no-control-regex
    expect(o.detail).not.toMatch(/[\u202E\u001b]/);
    expect(o.detail).toContain('\\u{202e}');
  });

  it('allows only on the Run button; Escape, an error or an abort deny', async () => {
    const answer = (response: number | Error) =>
      nativeCommandApprover(async (_o: CommandDialogOptions) => {
        if (response instanceof Error) throw response;
        return { response };
      });
    const signal = new AbortController().signal;
    expect(await answer(ALLOW_BUTTON).approve(request, signal)).toBe(true);
    expect(await answer(0).approve(request, signal)).toBe(false);
    expect(await answer(new Error('window gone')).approve(request, signal)).toBe(false);
    const aborted = new AbortController();
    aborted.abort();
    expect(await answer(ALLOW_BUTTON).approve(request, aborted.signal)).toBe(false);
  });
});
