//! One module per subcommand.

pub mod bench;
pub mod calibrate;
pub mod commit;
pub mod deploy;
pub mod export_verifier;
pub mod inspect;
pub mod market;
pub mod ops;
pub mod prove;
pub mod srs;
pub mod verify;
pub mod verify_evm;
pub mod verify_onchain;
pub mod worker;
