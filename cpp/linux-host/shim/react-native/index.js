// The parts of `react-native` the package's JavaScript uses, for the Linux JSI host. Types (TurboModule, ViewProps,
// HostComponent, CodegenTypes) are type-only imports and vanish in the bundle.
import * as TurboModuleRegistry from './Libraries/TurboModule/TurboModuleRegistry.js';
import codegenNativeComponent from './Libraries/Utilities/codegenNativeComponent.js';

export { TurboModuleRegistry, codegenNativeComponent };

export const NativeModules = globalThis.nativeModuleProxy ?? {};

export const Platform = {
  OS: 'linux',
  Version: 0,
  isTV: false,
  isTesting: true,
  constants: { reactNativeVersion: { major: 0, minor: 88, patch: 1 } },
  select(spec) {
    if ('linux' in spec) return spec.linux;
    if ('native' in spec) return spec.native;
    return spec.default;
  },
};

export function requireNativeComponent(name) {
  return name;
}

// A host component stand-in: renders nothing on the host (there is no UI).
export function View() {
  return null;
}
