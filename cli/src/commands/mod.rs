//! One module per subcommand.

pub mod calibrate;
pub mod export_verifier;
pub mod ops;
pub mod prove;
pub mod verify;
pub mod verify_evm;
