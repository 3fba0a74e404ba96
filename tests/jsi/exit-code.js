// host.exit(code) ends the run with that code, after asynchronous work through the module.
// @expect-exit 3
import NativeAZStack from '../../js/specs/NativeAZStack';

const handle = NativeAZStack.create('{}');
NativeAZStack.call(handle, 'noSuchMethod', 'null').then((text) => {
  if (JSON.parse(text).error === null) throw new Error('expected an error envelope');
  setTimeout(() => host.exit(3), 1);
});
