pub mod ci;
pub mod model;
pub mod table;
