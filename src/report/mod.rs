pub mod ci;
pub mod features;
pub mod fleet;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod table;
