# azstack-react-native for iOS (New Architecture only).
#
# Compiles the shared C++ TurboModule (cpp/) and the iOS glue (ios/: module provider, AZStackVideoView, camera and
# voice-processing audio, PushKit and CallKit), and links azstack-ffi, the Rust engine as a static library. A script phase provides that
# library before anything compiles (ios/scripts/build-rust.sh): from ios/AZStackFFI.xcframework when a release package
# ships it, else built with cargo for the platform being built (aarch64-apple-ios, aarch64-apple-ios-sim,
# x86_64-apple-ios) from the Cargo workspace of a repository checkout. See docs/native-builds.md.
require "json"

package = JSON.parse(File.read(File.join(__dir__, "package.json")))

Pod::Spec.new do |s|
  s.name         = "azstack-react-native"
  s.version      = package["version"]
  s.summary      = package["description"]
  s.homepage     = "https://www.npmjs.com/package/azstack-react-native"
  s.license      = package["license"]
  s.authors      = package["author"] || "azstack-react-native contributors"
  s.platforms    = { :ios => min_ios_version_supported }
  s.source       = { :http => "https://registry.npmjs.org/azstack-react-native/-/azstack-react-native-#{s.version}.tgz" }

  # cpp/*: the TurboModule and the platform-neutral headers (not cpp/linux-host, not cpp/generated: that header is
  # found through HEADER_SEARCH_PATHS so it does not clash with the app's own codegen output).
  s.source_files         = "ios/*.{h,m,mm}", "cpp/*.{h,cpp}"
  s.private_header_files = "ios/*.h", "cpp/*.h"
  # CallKit and PushKit: calls that ring a sleeping phone (ios/AZStackCallKit.mm).
  s.frameworks           = "AVFoundation", "AudioToolbox", "CallKit", "CoreMedia", "CoreVideo", "Network", "PushKit",
                           "Security", "UIKit"
  s.libraries            = "c++"

  ffi = "$(PODS_CONFIGURATION_BUILD_DIR)/azstack-ffi" # written by the script phase, per configuration and platform
  s.pod_target_xcconfig = {
    "HEADER_SEARCH_PATHS" => [
      "\"$(PODS_TARGET_SRCROOT)/cpp\"",
      "\"$(PODS_TARGET_SRCROOT)/cpp/generated\"",   # AZStackSpecJSI.h
      "\"$(PODS_TARGET_SRCROOT)/rust/ffi/include\"", # azstack_ffi.h
      "\"#{ffi}/include\"",                          # rust/cxx.h, azstack-ffi/src/lib.rs.h
    ].join(" "),
    "LIBRARY_SEARCH_PATHS" => "\"#{ffi}/lib\"",
    # Static-library pods (the default): libtool merges libazstack_ffi.a into this pod's archive.
    "OTHER_LIBTOOLFLAGS" => "-lazstack_ffi",
    # Framework pods (use_frameworks! :linkage => :dynamic): the linker pulls it into the framework.
    "OTHER_LDFLAGS" => "-lazstack_ffi",
    # The script phase reads the package and writes under the build directory.
    "ENABLE_USER_SCRIPT_SANDBOXING" => "NO",
  }

  s.script_phase = {
    :name => "[azstack] azstack-ffi (Rust)",
    :script => 'bash "${PODS_TARGET_SRCROOT}/ios/scripts/build-rust.sh"',
    :execution_position => :before_compile,
    :output_files => ["$(PODS_CONFIGURATION_BUILD_DIR)/azstack-ffi/lib/libazstack_ffi.a"],
    :always_out_of_date => "1", # cargo decides what is out of date
  }

  # React Native's dependencies, compiler flags and header paths for a New Architecture module and Fabric component.
  install_modules_dependencies(s)
end
