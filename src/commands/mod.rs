pub mod check;
pub mod policy;
pub mod simulate;
pub mod why;
