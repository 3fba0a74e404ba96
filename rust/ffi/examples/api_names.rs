//! Prints the native API names as JSON, `{"methods": [...], "delegates": [...]}`: the method names the engine's
//! `dispatch` takes ([`azstack_engine::dispatch::METHODS`]) and those azstack-ffi answers itself (the phone's audio
//! session, [`azstack_ffi::audio_session::METHODS`]; the system call UI,
//! [`azstack_ffi::call_ui::METHODS`]), and the delegate names the engine's events
//! ([`azstack_engine::DELEGATES`]) and the audio session fire. `scripts/lib/check-api-names.mjs` compares them with the
//! JavaScript package.
//!
//!     cargo run -q -p azstack-ffi --example api_names

fn main() {
    let methods: Vec<&str> = azstack_engine::dispatch::METHODS
        .iter()
        .copied()
        .chain(azstack_ffi::audio_session::METHODS)
        .chain(azstack_ffi::call_ui::METHODS)
        .collect();
    let delegates: Vec<&str> =
        azstack_engine::DELEGATES.iter().copied().chain(azstack_ffi::audio_session::DELEGATES).collect();
    println!("{}", serde_json::json!({ "methods": methods, "delegates": delegates }));
}
