# The shared C++ of the package (Android, iOS and the Linux host use the same list).
#
#   include(<repo>/cpp/sources.cmake)  →  AZSTACK_CPP_SOURCES, AZSTACK_CPP_INCLUDE_DIRS
#
# A build also needs: React Native's ReactCommon headers, the codegen output (cpp/generated or the app's own codegen
# directory) and azstack-ffi (rust/ffi/include and <cargo target>/cxxbridge on the include path, its static library on
# the link line).
set(AZSTACK_CPP_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(AZSTACK_CPP_SOURCES "${AZSTACK_CPP_DIR}/NativeAZStack.cpp" "${AZSTACK_CPP_DIR}/FrameRegistry.cpp"
    "${AZSTACK_CPP_DIR}/MediaBridge.cpp" "${AZSTACK_CPP_DIR}/SystemCalls.cpp")
set(AZSTACK_CPP_INCLUDE_DIRS "${AZSTACK_CPP_DIR}" "${AZSTACK_CPP_DIR}/../rust/ffi/include")
