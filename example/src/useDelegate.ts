import { useEffect, useRef } from 'react';
import type { AZStackCore, DelegateName, Delegates } from 'azstack-react-native';

/**
 * Installs `handler` as `core.Delegates[name]` while the component is mounted, and puts the previous delegate back
 * afterwards. The latest `handler` is always the one called, so it may use the component's current state.
 */
export function useDelegate<N extends DelegateName>(core: AZStackCore, name: N, handler: Delegates[N]): void {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    const previous = core.Delegates[name];
    const installed = ((error, result) => latest.current(error, result as never)) as Delegates[N];
    core.Delegates[name] = installed;
    return () => {
      if (core.Delegates[name] === installed) {
        core.Delegates[name] = previous;
      }
    };
  }, [core, name]);
}
