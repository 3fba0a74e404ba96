//! Prints every JavaScript-visible constant of `constants::all()` — the error code strings included — as one JSON
//! object `{"<group>": {"<NAME>": <value>, ...}, ...}`, for `tests/js/check-constants.mjs` to compare with the
//! JavaScript package.

use std::collections::BTreeMap;

use azstack_protocol::constants;
use serde_json::{Map, Value};

fn main() {
    let mut groups: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for (group, name, value) in constants::all() {
        groups.entry(group).or_default().insert(name.to_owned(), value);
    }
    let json: Map<String, Value> =
        groups.into_iter().map(|(group, entries)| (group.to_owned(), Value::Object(entries))).collect();
    println!("{}", Value::Object(json));
}
