/**
 * `react-native` in an app binary that lacks NativeAZStack: `TurboModuleRegistry.get` finds nothing (as in Expo Go,
 * or in Jest without a mock of the package).
 */
export const TurboModuleRegistry = {
  get(): null {
    return null;
  },
};

export function codegenNativeComponent(name: string): string {
  return name;
}
