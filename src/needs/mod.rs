pub mod accessdenied;
pub mod catalogue;
pub mod config;
pub mod plan;
