// TEST FIXTURE ONLY. A timer keeps this process's event loop alive whether or not anyone is
// listening, as any poller or socket would; and it replaces process.exit to stay behind.
export default {
  activate() {
    setInterval(() => undefined, 1000);
    process.exit = () => undefined;
    // The host prints an extension's output prefixed with its id: the test waits for this line.
    process.stdout.write('lingering: active\n');
  },
};
