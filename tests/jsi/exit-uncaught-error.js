// An error thrown from a Promise continuation of a native call, inside a timer, ends the run with a non-zero code and
// its message on stderr.
// @expect-exit 1
// @expect-stderr Uncaught error in a timer: thrown after a native call
import NativeAZStack from '../../js/specs/NativeAZStack';

const handle = NativeAZStack.create('{}');
NativeAZStack.call(handle, 'noSuchMethod', 'null').then(() => {
  NativeAZStack.destroy(handle);
  setTimeout(() => {
    throw new Error('thrown after a native call');
  }, 1);
  setTimeout(() => host.exit(0), 1000); // not reached
});
