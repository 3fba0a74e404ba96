// A rejection nobody handles — here the module's own rejection of a call on a destroyed engine — ends the run with a
// non-zero code and the reason on stderr (JavaScriptCore's unhandled-rejection tracker).
// @expect-exit 1
// @expect-stderr Unhandled promise rejection: Error: NativeAZStack.call(getUser): no engine with handle
import NativeAZStack from '../../js/specs/NativeAZStack';

const handle = NativeAZStack.create('{}');
NativeAZStack.destroy(handle);
NativeAZStack.call(handle, 'getUser', 'null');
setTimeout(() => host.exit(0), 2000); // not reached
