//! Prints the engine's API names as JSON, `{"methods": [...], "delegates": [...]}`: the method names `dispatch`
//! takes ([`azstack_engine::dispatch::METHODS`]) and the delegate names its events fire
//! ([`azstack_engine::DELEGATES`]). `scripts/lib/check-api-names.mjs` compares them with the JavaScript package.
//!
//!     cargo run -q -p azstack-engine --example api_names

fn main() {
    let names = serde_json::json!({
        "methods": azstack_engine::dispatch::METHODS,
        "delegates": azstack_engine::DELEGATES,
    });
    println!("{names}");
}
