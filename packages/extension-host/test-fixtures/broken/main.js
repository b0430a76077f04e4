// TEST FIXTURE: fails at every start, to exercise restart backoff.
export default {
  activate() {
    throw new Error('cannot start');
  },
};
