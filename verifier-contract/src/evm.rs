//! An in-process EVM (revm, mainnet rules) to deploy contracts and call them, reporting gas.
//! The EIP-170 code-size limit is lifted here so that oversized verifiers can still be measured; callers
//! report the runtime size against [`crate::EIP170_LIMIT`].

use crate::error::{ContractError, Result};
use crate::gas_profile::{GasProfile, PrecompileMeter};
use revm::context::result::{ExecutionResult, Output};
use revm::context::TxEnv;
use revm::context_interface::ContextTr;
use revm::database::DatabaseRef;
use revm::database::InMemoryDB;
use revm::primitives::{Address, Bytes, TxKind, U256};
use revm::state::AccountInfo;
use revm::{Context, ExecuteCommitEvm, InspectCommitEvm, MainBuilder, MainContext, MainnetEvm};

/// Gas limit of every call (the EIP-7825 transaction cap).
pub const GAS_LIMIT: u64 = 1 << 24;
/// Gas limit of deployments: lifted above the cap so oversized verifiers can still be measured.
pub const DEPLOY_GAS_LIMIT: u64 = 1 << 27;

/// The meter only sees the calls made through [`InProcessEvm::call_profiled`] (plain transactions skip
/// inspection).
type Evm = MainnetEvm<revm::handler::MainnetContext<InMemoryDB>, PrecompileMeter>;

/// An in-process EVM with in-memory state; transactions come from one fixed account (`0x1111…11`)
/// unless [`InProcessEvm::call_as`] names another.
pub struct InProcessEvm {
    evm: Evm,
    caller: Address,
}

/// The result of a call.
#[derive(Clone, Debug)]
pub struct EvmOutcome {
    /// Whether the call returned (`false` when it reverted or halted).
    pub success: bool,
    /// Gas the whole transaction used, its intrinsic cost (base and calldata) included.
    pub gas_used: u64,
    /// The returned data, or the revert data (empty after a halt).
    pub output: Vec<u8>,
}

impl Default for InProcessEvm {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessEvm {
    /// A fresh EVM with empty state: mainnet rules with the code-size and transaction gas caps lifted and
    /// nonce checks off.
    pub fn new() -> Self {
        let ctx = Context::mainnet()
            .with_db(InMemoryDB::default())
            .modify_cfg_chained(|cfg| {
                cfg.limit_contract_code_size = Some(usize::MAX);
                cfg.limit_contract_initcode_size = Some(usize::MAX);
                cfg.tx_gas_limit_cap = Some(u64::MAX);
                // Several callers transact in tests; nonces are not what is being checked here.
                cfg.disable_nonce_check = true;
            });
        Self {
            evm: ctx.build_mainnet_with_inspector(PrecompileMeter::default()),
            caller: Address::repeat_byte(0x11),
        }
    }

    /// Give `address` a balance of `wei`.
    pub fn fund(&mut self, address: Address, wei: U256) {
        let info = AccountInfo {
            balance: wei,
            ..self.account(address)
        };
        self.evm.ctx.db_mut().insert_account_info(address, info);
    }

    fn account(&self, address: Address) -> AccountInfo {
        self.evm
            .ctx
            .db_ref()
            .basic_ref(address)
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The balance of `address`.
    pub fn balance(&self, address: Address) -> U256 {
        self.account(address).balance
    }

    /// The runtime code deployed at `address` (empty if none).
    pub fn code(&self, address: Address) -> Vec<u8> {
        let db = self.evm.ctx.db_ref();
        let info = self.account(address);
        let code = match info.code {
            Some(code) => Some(code),
            None => db.code_by_hash_ref(info.code_hash).ok(),
        };
        code.map(|c| c.original_bytes().to_vec())
            .unwrap_or_default()
    }

    /// The chain id transactions run under.
    pub fn chain_id(&self) -> u64 {
        self.evm.ctx.cfg.chain_id
    }

    /// Set the block timestamp of the next transactions.
    pub fn set_timestamp(&mut self, seconds: u64) {
        self.evm
            .ctx
            .modify_block(|b| b.timestamp = U256::from(seconds));
    }

    /// The block timestamp of the next transactions.
    pub fn timestamp(&self) -> u64 {
        self.evm.ctx.block.timestamp.saturating_to()
    }

    fn transact(&mut self, kind: TxKind, data: Vec<u8>, gas_limit: u64) -> Result<ExecutionResult> {
        self.transact_as(self.caller, kind, data, gas_limit, U256::ZERO)
    }

    fn transact_as(
        &mut self,
        caller: Address,
        kind: TxKind,
        data: Vec<u8>,
        gas_limit: u64,
        value: U256,
    ) -> Result<ExecutionResult> {
        let tx = tx_env(caller, kind, data, gas_limit, value)?;
        self.evm
            .transact_commit(tx)
            .map_err(|e| ContractError::Evm(format!("{e:?}")))
    }

    /// [`Self::call`], with where its gas went: base, calldata, each precompile, the contracts' code.
    pub fn call_profiled(
        &mut self,
        to: Address,
        calldata: Vec<u8>,
    ) -> Result<(EvmOutcome, GasProfile)> {
        let tx = tx_env(
            self.caller,
            TxKind::Call(to),
            calldata.clone(),
            GAS_LIMIT,
            U256::ZERO,
        )?;
        self.evm.inspector = PrecompileMeter::default();
        let result = self
            .evm
            .inspect_tx_commit(tx)
            .map_err(|e| ContractError::Evm(format!("{e:?}")))?;
        let outcome = outcome(result);
        let profile = GasProfile::new(outcome.gas_used, &calldata, &self.evm.inspector);
        Ok((outcome, profile))
    }

    /// Call `to` from `caller` with `calldata`, sending `value` wei.
    pub fn call_as(
        &mut self,
        caller: Address,
        to: Address,
        calldata: Vec<u8>,
        value: U256,
    ) -> Result<EvmOutcome> {
        let result = self.transact_as(caller, TxKind::Call(to), calldata, GAS_LIMIT, value)?;
        Ok(outcome(result))
    }

    /// Deploy creation bytecode; returns the address and the deployment gas.
    pub fn deploy(&mut self, creation: Vec<u8>) -> Result<(Address, u64)> {
        let size = creation.len();
        match self.transact(TxKind::Create, creation, DEPLOY_GAS_LIMIT)? {
            ExecutionResult::Success {
                output: Output::Create(_, Some(address)),
                gas,
                ..
            } => Ok((address, gas.tx_gas_used())),
            ExecutionResult::Halt { reason, .. } => Err(ContractError::Evm(format!(
                "deploying {size} bytes of init code halted: {reason:?}"
            ))),
            other => Err(ContractError::Evm(format!(
                "deploying {size} bytes of init code failed: {other:?}"
            ))),
        }
    }

    /// Call `to` with `calldata`.
    pub fn call(&mut self, to: Address, calldata: Vec<u8>) -> Result<EvmOutcome> {
        let result = self.transact(TxKind::Call(to), calldata, GAS_LIMIT)?;
        Ok(outcome(result))
    }
}

fn tx_env(
    caller: Address,
    kind: TxKind,
    data: Vec<u8>,
    gas_limit: u64,
    value: U256,
) -> Result<TxEnv> {
    TxEnv::builder()
        .caller(caller)
        .kind(kind)
        .data(Bytes::from(data))
        .gas_limit(gas_limit)
        .value(value)
        .build()
        .map_err(|e| ContractError::Evm(format!("{e:?}")))
}

fn outcome(result: ExecutionResult) -> EvmOutcome {
    let gas_used = result.tx_gas_used();
    match result {
        ExecutionResult::Success { output, .. } => EvmOutcome {
            success: true,
            gas_used,
            output: output.into_data().to_vec(),
        },
        ExecutionResult::Revert { output, .. } => EvmOutcome {
            success: false,
            gas_used,
            output: output.to_vec(),
        },
        ExecutionResult::Halt { .. } => EvmOutcome {
            success: false,
            gas_used,
            output: vec![],
        },
    }
}
