pub mod model;
pub mod offline;
pub mod sdk;
pub mod snapshot;
