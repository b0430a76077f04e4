// TEST FIXTURE: an activate() that never settles, to exercise the activation deadline.
export function activate() {
  return new Promise(() => {});
}
