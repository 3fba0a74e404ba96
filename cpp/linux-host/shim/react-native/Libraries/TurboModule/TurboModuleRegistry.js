// TurboModuleRegistry as React Native 0.88 implements it (Libraries/TurboModule/TurboModuleRegistry.js): the
// legacy `__turboModuleProxy` first, then the bridgeless `nativeModuleProxy`, which the host's TurboModuleBinding
// installs because `RN$Bridgeless` is true.
const turboModuleProxy = globalThis.__turboModuleProxy;

function requireModule(name) {
  if (turboModuleProxy != null) {
    const module = turboModuleProxy(name);
    if (module != null) return module;
  }
  const nativeModules = globalThis.nativeModuleProxy;
  const legacyModule = nativeModules != null ? nativeModules[name] : null;
  return legacyModule != null ? legacyModule : null;
}

export function get(name) {
  return requireModule(name);
}

export function getEnforcing(name) {
  const module = requireModule(name);
  if (module == null) {
    throw new Error(
      `TurboModuleRegistry.getEnforcing(...): '${name}' could not be found. ` +
        'Verify that a module by this name is registered in the native binary.',
    );
  }
  return module;
}
