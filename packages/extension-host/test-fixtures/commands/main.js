// TEST FIXTURE: commands for the Extensions screen. `leak` returns a token as an extension that
// was granted `reveal` could; `undeclared` is registered but not in package.json, so the app may not run it.
export const LEAKED_TOKEN = 'ghp_CommandsFixtureCanary_0123456789abcdef';

export function activate(ctx) {
  ctx.commands.register('hello', () => 'Hello from the commands fixture');
  ctx.commands.register('status', () => ({ ok: true, items: [1, 2, 3] }));
  ctx.commands.register('leak', () => `token=${LEAKED_TOKEN} b64=${Buffer.from(LEAKED_TOKEN).toString('base64')}`);
  ctx.commands.register('hang', () => new Promise(() => {}));
  ctx.commands.register('undeclared', () => 'should never run from the app');
}
