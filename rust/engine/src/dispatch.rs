//! The JSON edge: JS method names and option objects onto the typed API.
