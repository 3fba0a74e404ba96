/**
 * Autolinking for the React Native CLI: how an app builds and registers azstack-react-native.
 *
 * iOS needs nothing here: the CLI finds azstack-react-native.podspec, and the app's codegen registers the C++
 * TurboModule provider and the Fabric component from package.json `codegenConfig.ios` (`modules.NativeAZStack`,
 * `components.AZStackVideoView`).
 *
 * Android: the CLI finds com.azstack.reactnative.AZStackPackage (it adds it to the app's PackageList), and the keys below
 * make the app compile the Fabric component's generated C++ (props, shadow node, component descriptor; produced from
 * js/specs by the React Native Gradle plugin in this library's build directory) and register its descriptor.
 *
 * The C++ TurboModule NativeAZStack deliberately does not use the pure-C++ module keys (`cxxModuleCMakeListsPath`,
 * `cxxModuleCMakeListsModuleName`, `cxxModuleHeaderName`), which would compile it into the app's libappmodules.so.
 * It lives in this library's own libazstack.so together with the Rust engine (built by cargo-ndk before this library's
 * CMake step) and the video view's and media devices' JNI code, and registers itself in React Native's C++ module map
 * from JNI_OnLoad when AZStackPackage loads the library (android/src/main/jni/OnLoad.cpp).
 *
 * @type {import('@react-native-community/cli-types').UserDependencyConfig}
 */
module.exports = {
  dependency: {
    platforms: {
      android: {
        libraryName: 'AZStackSpec',
        cmakeListsPath: 'build/generated/source/codegen/jni/CMakeLists.txt',
        componentDescriptors: ['AZStackVideoViewComponentDescriptor'],
      },
      ios: {},
    },
  },
};
