// TEST FIXTURE: an extension that crashes, hangs or asks on command.
export function activate(ctx) {
  ctx.commands.register('echo', (args) => args);
  ctx.commands.register('crash', () => process.exit(7));
  ctx.commands.register('hang', () => new Promise(() => {}));
  ctx.commands.register('fail', () => {
    throw new Error('it failed on purpose');
  });
  /** Asks for a connection that does not exist; the broker audits the request under the caller's identity. */
  ctx.commands.register('ask', () => ctx.secrets.requestAccess({ connectionId: 'nope', reason: 'who am I', scopes: ['http.fetch'] }));
}
