//! Generates and compiles the C++ side of the cxx bridge. C++ users put `include/` (the callback interfaces) and
//! `<target>/cxxbridge` on their include path; the generated header is linked under
//! `<target>/cxxbridge/azstack-ffi/src/lib.rs.h` for the C++ TurboModule and the Linux host.

fn main() {
    cxx_build::bridge("src/lib.rs").include("include").std("c++17").compile("azstack-ffi-bridge");
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=include/azstack_ffi.h");
}
