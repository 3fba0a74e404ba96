// A live engine keeps the host running (like an open socket keeps node running): without destroy() the run ends at its
// timeout with 124.
// @timeout 1
// @expect-exit 124
// @expect-stderr timed out (0 timer(s) left, native work pending: yes)
import NativeAZStack from '../../js/specs/NativeAZStack';

NativeAZStack.create('{}');
