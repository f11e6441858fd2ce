//! A real Ethereum node over JSON-RPC (alloy): deploy contracts, `eth_call`, send transactions.
//! Synchronous on the outside (the CLI is), a current-thread tokio runtime inside.

use crate::error::{ContractError, Result};
use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::{BlockNumberOrTag, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use std::future::IntoFuture;

/// A connection to one node, with a signing account when a private key is given.
pub struct Chain {
    runtime: tokio::runtime::Runtime,
    provider: DynProvider,
    from: Option<Address>,
}

/// The answer of an `eth_call` (or a failed `eth_estimateGas`): returned data, or a revert (with its
/// data, if the node gave any).
#[derive(Clone, Debug)]
pub struct CallResult {
    /// `false` if the call reverted (or the node answered it with an error).
    pub success: bool,
    /// The returned data, or the revert data (empty if the node gave none).
    pub output: Vec<u8>,
    /// The node's error message when the call failed (`execution reverted`, or a refusal that is no
    /// revert, such as insufficient funds for the call's value); empty on success.
    pub message: String,
}

impl CallResult {
    /// Why the call failed: the revert's reason string, else the node's message, else "no reason".
    pub fn reason(&self) -> String {
        crate::market::revert_reason(&self.output)
            .or_else(|| (!self.message.is_empty()).then(|| self.message.clone()))
            .unwrap_or_else(|| "no reason".into())
    }

    fn failed(revert_data: Option<Bytes>, message: &str) -> Self {
        Self {
            success: false,
            output: revert_data.map(|d| d.to_vec()).unwrap_or_default(),
            message: message.to_string(),
        }
    }
}

/// A mined transaction.
#[derive(Clone, Debug)]
pub struct Receipt {
    /// Receipt status 1: the transaction ran without reverting.
    pub success: bool,
    /// Gas the transaction used (times the effective gas price, in wei, is what it cost).
    pub gas_used: u64,
    /// The transaction hash.
    pub hash: B256,
    /// The address of the contract a deployment created; `None` for a call.
    pub contract: Option<Address>,
}

fn chain_err(what: &str, e: impl std::fmt::Display) -> ContractError {
    ContractError::Chain(format!("{what}: {e}"))
}

impl Chain {
    /// Connect to `rpc` (http/https URL), signing with `private_key` (hex, with or without 0x) if
    /// given; without one only calls work.
    pub fn connect(rpc: &str, private_key: Option<&str>) -> Result<Self> {
        let signer: Option<PrivateKeySigner> = private_key
            .map(|key| {
                key.trim().parse().map_err(|_| {
                    ContractError::Chain(
                        "the private key is not a 32-byte hex secp256k1 key".into(),
                    )
                })
            })
            .transpose()?;
        let from = signer.as_ref().map(|s| s.address());
        let url = rpc
            .parse()
            .map_err(|e| chain_err(&format!("RPC URL '{rpc}'"), e))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| chain_err("tokio runtime", e))?;
        let provider = match signer {
            Some(signer) => ProviderBuilder::new()
                .wallet(EthereumWallet::from(signer))
                .connect_http(url)
                .erased(),
            None => ProviderBuilder::new().connect_http(url).erased(),
        };
        let chain = Chain {
            runtime,
            provider,
            from,
        };
        chain
            .runtime
            .block_on(chain.provider.get_chain_id())
            .map_err(|e| chain_err(&format!("cannot reach {rpc}"), e))?;
        Ok(chain)
    }

    /// The signing account.
    pub fn address(&self) -> Option<Address> {
        self.from
    }

    fn signer(&self) -> Result<Address> {
        self.from.ok_or_else(|| {
            ContractError::Chain(
                "sending a transaction needs a private key (--private-key or ZKINFER_PRIVATE_KEY)"
                    .into(),
            )
        })
    }

    /// `eth_chainId`: the id of the chain the node serves (the one transactions are signed for).
    pub fn chain_id(&self) -> Result<u64> {
        self.runtime
            .block_on(self.provider.get_chain_id())
            .map_err(|e| chain_err("eth_chainId", e))
    }

    /// `eth_gasPrice`: wei per gas a transaction sent now pays (legacy price, or base fee + tip).
    pub fn gas_price(&self) -> Result<u128> {
        self.runtime
            .block_on(self.provider.get_gas_price())
            .map_err(|e| chain_err("eth_gasPrice", e))
    }

    /// Timestamp of the latest block.
    pub fn timestamp(&self) -> Result<u64> {
        let block = self
            .runtime
            .block_on(
                self.provider
                    .get_block_by_number(BlockNumberOrTag::Latest)
                    .into_future(),
            )
            .map_err(|e| chain_err("eth_getBlockByNumber", e))?;
        block
            .map(|b| b.header.timestamp)
            .ok_or_else(|| ContractError::Chain("the node has no latest block".into()))
    }

    /// `eth_getBalance`: the balance of `address` at the latest block, in wei.
    pub fn balance(&self, address: Address) -> Result<U256> {
        self.runtime
            .block_on(self.provider.get_balance(address).into_future())
            .map_err(|e| chain_err("eth_getBalance", e))
    }

    /// `eth_getCode`: the runtime code at `address` at the latest block (empty if it has none).
    pub fn code(&self, address: Address) -> Result<Vec<u8>> {
        self.runtime
            .block_on(self.provider.get_code_at(address).into_future())
            .map(|code| code.to_vec())
            .map_err(|e| chain_err("eth_getCode", e))
    }

    /// The size of the runtime code at `address`, in bytes (0 for an account without code).
    pub fn code_size(&self, address: Address) -> Result<usize> {
        self.code(address).map(|code| code.len())
    }

    /// Deploy creation code; fails if the deployment reverts.
    pub fn deploy(&self, creation: Vec<u8>) -> Result<Receipt> {
        let tx = TransactionRequest::default()
            .with_from(self.signer()?)
            .with_deploy_code(Bytes::from(creation));
        let receipt = self.send(tx)?;
        if !receipt.success || receipt.contract.is_none() {
            return Err(ContractError::Chain(format!(
                "deployment reverted (tx {}, gas {})",
                receipt.hash, receipt.gas_used
            )));
        }
        Ok(receipt)
    }

    fn request(&self, to: Address, data: Vec<u8>, value: U256) -> TransactionRequest {
        let tx = TransactionRequest::default();
        let tx = match self.from {
            Some(from) => tx.with_from(from),
            None => tx,
        };
        tx.with_to(to)
            .with_input(Bytes::from(data))
            .with_value(value)
    }

    /// `eth_call`: a revert is a result (`success: false`), not an error.
    pub fn call(&self, to: Address, data: Vec<u8>, value: U256) -> Result<CallResult> {
        let tx = self.request(to, data, value);
        match self.runtime.block_on(self.provider.call(tx).into_future()) {
            Ok(output) => Ok(CallResult {
                success: true,
                output: output.to_vec(),
                message: String::new(),
            }),
            Err(e) => match e.as_error_resp() {
                Some(p) => Ok(CallResult::failed(p.as_revert_data(), &p.message)),
                None => Err(chain_err("eth_call", e)),
            },
        }
    }

    /// `eth_estimateGas`: the gas the transaction would use now, or its revert (`Err` holds the
    /// revert data, empty if the node gave none).
    pub fn estimate_gas(
        &self,
        to: Address,
        data: Vec<u8>,
        value: U256,
    ) -> Result<std::result::Result<u64, CallResult>> {
        let tx = self.request(to, data, value);
        match self
            .runtime
            .block_on(self.provider.estimate_gas(tx).into_future())
        {
            Ok(gas) => Ok(Ok(gas)),
            Err(e) => match e.as_error_resp() {
                Some(p) => Ok(Err(CallResult::failed(p.as_revert_data(), &p.message))),
                None => Err(chain_err("eth_estimateGas", e)),
            },
        }
    }

    /// Send a transaction and wait for its receipt (a reverted transaction is a receipt with
    /// `success: false`). The gas limit is estimated by the node unless given.
    pub fn transact(
        &self,
        to: Address,
        data: Vec<u8>,
        value: U256,
        gas_limit: Option<u64>,
    ) -> Result<Receipt> {
        self.signer()?;
        let mut tx = self.request(to, data, value);
        if let Some(gas) = gas_limit {
            tx = tx.with_gas_limit(gas);
        }
        self.send(tx)
    }

    /// Send a transaction with an explicit gas limit and EIP-1559 fees (wei per gas) and return its
    /// hash without waiting for it to be mined (see [`Self::receipt`]).
    pub fn send_with_fees(
        &self,
        to: Address,
        data: Vec<u8>,
        gas_limit: u64,
        max_fee: u128,
        priority_fee: u128,
    ) -> Result<B256> {
        self.signer()?;
        let tx = self
            .request(to, data, U256::ZERO)
            .with_gas_limit(gas_limit)
            .with_max_fee_per_gas(max_fee)
            .with_max_priority_fee_per_gas(priority_fee);
        self.runtime
            .block_on(async { Ok(*self.submit(tx).await?.tx_hash()) })
    }

    async fn submit(
        &self,
        tx: TransactionRequest,
    ) -> Result<alloy::providers::PendingTransactionBuilder<alloy::network::Ethereum>> {
        self.provider
            .send_transaction(tx)
            .await
            .map_err(|e| chain_err("eth_sendTransaction", e))
    }

    /// The receipt of a transaction, once mined.
    pub fn receipt(&self, hash: B256) -> Result<Option<Receipt>> {
        let receipt = self
            .runtime
            .block_on(self.provider.get_transaction_receipt(hash))
            .map_err(|e| chain_err("eth_getTransactionReceipt", e))?;
        Ok(receipt.as_ref().map(Receipt::of))
    }

    /// Any JSON-RPC method, e.g. a dev node's `evm_mine` or `txpool_content`.
    pub fn raw(&self, method: &str, params: serde_json::Value) -> Result<serde_json::Value> {
        self.runtime
            .block_on(
                self.provider
                    .raw_request::<_, serde_json::Value>(method.to_string().into(), params),
            )
            .map_err(|e| chain_err(method, e))
    }

    fn send(&self, tx: TransactionRequest) -> Result<Receipt> {
        self.runtime.block_on(async {
            let receipt = self
                .submit(tx)
                .await?
                .get_receipt()
                .await
                .map_err(|e| chain_err("waiting for the receipt", e))?;
            Ok(Receipt::of(&receipt))
        })
    }
}

impl Receipt {
    fn of(r: &alloy::rpc::types::TransactionReceipt) -> Self {
        Receipt {
            success: r.status(),
            gas_used: r.gas_used,
            hash: r.transaction_hash,
            contract: r.contract_address,
        }
    }
}
