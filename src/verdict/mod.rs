pub mod expected;
pub mod generate;
pub mod least_privilege;
pub mod local;
pub mod pipeline;
