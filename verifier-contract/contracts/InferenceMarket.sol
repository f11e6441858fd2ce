// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title InferenceMarket: pay for an inference only when it comes with a proof made for the payee.
/// @notice A requester posts a job naming the model (the address of its zkinfer verifying-key contract),
/// a commitment to the input (keccak256 of the input's instance words: the first `numInputs` instances
/// of a proof made with `--public-input`, or the one Poseidon commitment of `--hashed-input`), a reward
/// escrowed in ETH and a deadline. The first worker to submit a proof that the model's verifier accepts
/// for that input, made for that worker and that job, is paid and the output is recorded; after the
/// deadline an unproven job's reward goes back to the requester.
///
/// Instances of a zkinfer proof: `[inputs (numInputs words)] [outputs] [binding word]`. The binding word
/// (the last instance) must be `payeeTag(id, msg.sender)`: the transcript absorbs it before the first
/// challenge, so a proof pays only the account and the job it was made for (a copied transaction pays
/// its copier nothing), and `instances.length` must be the key's own instance count, so the recorded
/// outputs have exactly one reading.
/// @dev `post` accepts only a verifying-key contract whose forwarder calls a contract with
/// ZkinferVerifier's code (pinned by code hash, `VERIFIER_CODEHASH`) and whose data is format v2. It
/// cannot tell whether the key's data and numerator code are the model the requester means, or even a
/// sound circuit (a forged key can make the genuine verifier accept anything): that is the requester's
/// check (`zkinfer market post` compares the key's whole code with the model's), and `JobPosted` carries
/// the key's code hash so anyone reading the job can check it too. The verifier is called with a capped
/// gas stipend and must return the 32-byte word 1; state changes precede the payout
/// (checks-effects-interactions) and a lock guards re-entry.
contract InferenceMarket {
    struct Job {
        address requester;
        address verifier;
        bytes32 inputCommitment;
        uint256 reward;
        uint64 deadline;
        uint32 numInputs;
        uint32 numInstances;
        bool closed;
        address worker;
        bytes32 outputHash;
    }

    /// Gas the verifier may use for one proof.
    uint256 public constant VERIFY_GAS = 3_000_000;
    /// keccak256 of ZkinferVerifier's runtime code as zkinfer ships it compiled
    /// (verifier-contract/compiled/ZkinferVerifier.json; a test checks this constant).
    bytes32 public constant VERIFIER_CODEHASH = 0x3db0ce173217cddf35f1c939d7d10e60b454a7f3282e6bcf4d1064fc42a9a9e8;
    /// keccak256 of a verifying-key contract's 128-byte forwarder with its two copies of the verifier's
    /// address and its numerator jump target zeroed (`forwarder_template_hash` in
    /// verifier-contract/src/reusable/bytecode.rs; a test checks this constant).
    bytes32 public constant FORWARDER_HASH = 0x3a551cbbd817963a4281531d8597efba3aeadc114135365315aa316486b7df98;
    /// "zkinfer-vk2", the first word of a v2 key's data (at code offset 128).
    uint256 internal constant KEY_MAGIC = 0x7a6b696e6665722d766b32;
    /// The BN254 scalar field order: instances are field elements.
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;

    mapping(uint256 => Job) public jobs;
    uint256 public nextJob;
    bool private locked;

    event JobPosted(
        uint256 indexed id,
        address indexed verifier,
        bytes32 keyCodeHash,
        bytes32 inputCommitment,
        uint32 numInputs,
        uint32 numInstances,
        uint256 reward,
        uint64 deadline
    );
    event JobPaid(uint256 indexed id, address indexed worker, uint256 reward, uint256[] outputs);
    event JobRefunded(uint256 indexed id, address indexed requester, uint256 reward);

    modifier nonReentrant() {
        require(!locked, "reentrant call");
        locked = true;
        _;
        locked = false;
    }

    /// The binding word a proof for job `id` paying `payee` must carry as its last instance:
    /// keccak256(abi.encode(chain id, this market, id, payee)) mod r.
    function payeeTag(uint256 id, address payee) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), id, payee))) % R;
    }

    /// The instance count of `key` and how many of them are the input's, if `key` is a zkinfer v2
    /// verifying-key contract forwarding to a contract with ZkinferVerifier's code; reverts otherwise.
    function keyInstances(address key) public view returns (uint256 n, uint256 inputs) {
        // The forwarder (128 bytes), then the data header (40 words): magic, k, 1/n, instance count,
        // ..., and last (word 39) the input's instance count.
        require(key.code.length >= 128 + 40 * 32, "not a zkinfer key contract");
        bytes32 forwarder;
        address v1;
        address v2;
        uint256 magic;
        assembly {
            let p := mload(0x40)
            extcodecopy(key, p, 0, 256)
            v1 := shr(96, mload(add(p, 2)))
            v2 := shr(96, mload(add(p, 48)))
            let noAddress := not(shl(96, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(p, 2), and(mload(add(p, 2)), noAddress))
            mstore(add(p, 48), and(mload(add(p, 48)), noAddress))
            mstore(add(p, 24), and(mload(add(p, 24)), not(shl(240, 0xffff))))
            forwarder := keccak256(p, 128)
            magic := mload(add(p, 128))
            n := mload(add(p, 224))
            extcodecopy(key, p, 1376, 32)
            inputs := mload(p)
        }
        require(forwarder == FORWARDER_HASH && v1 == v2, "not a zkinfer key contract");
        require(v1.codehash == VERIFIER_CODEHASH, "key does not call ZkinferVerifier");
        require(magic == KEY_MAGIC, "key format is not zkinfer-vk2");
        require(n < 2 ** 32 && inputs + 2 <= n, "key has a malformed instance layout");
    }

    function post(address verifier, bytes32 inputCommitment, uint32 numInputs, uint64 deadline)
        external
        payable
        returns (uint256 id)
    {
        require(msg.value > 0, "no reward");
        (uint256 n, uint256 inputs) = keyInstances(verifier);
        require(numInputs == inputs, "numInputs is not the key's");
        require(deadline > block.timestamp, "deadline passed");
        id = nextJob++;
        jobs[id] = Job(
            msg.sender, verifier, inputCommitment, msg.value, deadline, numInputs, uint32(n), false, address(0), 0
        );
        emit JobPosted(id, verifier, verifier.codehash, inputCommitment, numInputs, uint32(n), msg.value, deadline);
    }

    /// Submit the proof of job `id`: `instances` are the proof's public instances (the input's first, then
    /// the outputs, then the binding word `payeeTag(id, msg.sender)`), `proof` its bytes, as `zkinfer prove
    /// --bind` writes them in proof.json.
    function submit(uint256 id, uint256[] calldata instances, bytes calldata proof) external nonReentrant {
        Job storage job = jobs[id];
        require(job.requester != address(0), "no such job");
        require(!job.closed, "job closed");
        require(block.timestamp <= job.deadline, "deadline passed");
        uint256 n = job.numInstances;
        require(instances.length == n, "wrong instance count");
        require(instances[n - 1] == payeeTag(id, msg.sender), "proof not made for this sender and job");
        require(keccak256(abi.encodePacked(instances[:job.numInputs])) == job.inputCommitment, "wrong input");
        (bool ok, bytes memory answer) = job.verifier.staticcall{gas: VERIFY_GAS}(abi.encodePacked(instances, proof));
        require(ok && answer.length == 32 && abi.decode(answer, (uint256)) == 1, "proof rejected");
        uint256[] memory outputs = instances[job.numInputs:n - 1];
        job.closed = true;
        job.worker = msg.sender;
        job.outputHash = keccak256(abi.encodePacked(outputs));
        uint256 reward = job.reward;
        emit JobPaid(id, msg.sender, reward, outputs);
        (bool sent,) = payable(msg.sender).call{value: reward}("");
        require(sent, "payout failed");
    }

    /// After the deadline, return an unproven job's reward to its requester.
    function refund(uint256 id) external nonReentrant {
        Job storage job = jobs[id];
        require(job.requester != address(0), "no such job");
        require(!job.closed, "job closed");
        require(block.timestamp > job.deadline, "deadline not reached");
        job.closed = true;
        uint256 reward = job.reward;
        emit JobRefunded(id, job.requester, reward);
        (bool sent,) = payable(job.requester).call{value: reward}("");
        require(sent, "refund failed");
    }
}

/// Test helper: a worker contract that tries to re-enter the market when paid.
contract ReentrantWorker {
    InferenceMarket public market;
    uint256 public jobId;
    uint256[] public instances;
    bytes public proof;
    bool public reentered;

    constructor(InferenceMarket m) {
        market = m;
    }

    function work(uint256 id, uint256[] calldata inst, bytes calldata p) external {
        jobId = id;
        instances = inst;
        proof = p;
        market.submit(id, inst, p);
    }

    receive() external payable {
        // A second submit (double payment) or a refund during the payout: both must fail.
        try market.submit(jobId, instances, proof) {
            reentered = true;
        } catch {}
        try market.refund(jobId) {
            reentered = true;
        } catch {}
    }
}
