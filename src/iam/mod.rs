pub mod actions;
pub mod arn;
