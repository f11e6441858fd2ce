// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title InferenceMarket: pay for an inference only when it comes with a proof.
/// @notice A requester posts a job naming the model (the address of its zkinfer verifier), a commitment to
/// the input (keccak256 of the input's public instance words, the first `numInputs` instances of a proof
/// made with `--public-input`), a reward escrowed in ETH and a deadline. The first worker to submit a proof
/// that the model's verifier accepts for that input is paid and the output is recorded; after the deadline
/// an unproven job's reward goes back to the requester.
/// @dev The verifier is called with a capped gas stipend (a bad proof cannot burn the caller's gas), state
/// changes precede the payout (checks-effects-interactions) and a lock guards re-entry.
contract InferenceMarket {
    struct Job {
        address requester;
        address verifier;
        bytes32 inputCommitment;
        uint256 reward;
        uint64 deadline;
        uint32 numInputs;
        bool closed;
        address worker;
        bytes32 outputHash;
    }

    /// Gas the verifier may use for one proof.
    uint256 public constant VERIFY_GAS = 3_000_000;

    mapping(uint256 => Job) public jobs;
    uint256 public nextJob;
    bool private locked;

    event JobPosted(
        uint256 indexed id,
        address indexed verifier,
        bytes32 inputCommitment,
        uint32 numInputs,
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

    function post(address verifier, bytes32 inputCommitment, uint32 numInputs, uint64 deadline)
        external
        payable
        returns (uint256 id)
    {
        require(msg.value > 0, "no reward");
        require(verifier.code.length > 0, "verifier is not a contract");
        require(deadline > block.timestamp, "deadline passed");
        id = nextJob++;
        jobs[id] = Job(msg.sender, verifier, inputCommitment, msg.value, deadline, numInputs, false, address(0), 0);
        emit JobPosted(id, verifier, inputCommitment, numInputs, msg.value, deadline);
    }

    /// Submit the proof of job `id`: `instances` are the proof's public instances (the input's first, then
    /// the outputs), `proof` its bytes, as `zkinfer prove` writes them in proof.json.
    function submit(uint256 id, uint256[] calldata instances, bytes calldata proof) external nonReentrant {
        Job storage job = jobs[id];
        require(job.requester != address(0), "no such job");
        require(!job.closed, "job closed");
        require(block.timestamp <= job.deadline, "deadline passed");
        require(instances.length > job.numInputs, "no outputs");
        require(keccak256(abi.encodePacked(instances[:job.numInputs])) == job.inputCommitment, "wrong input");
        (bool ok,) = job.verifier.staticcall{gas: VERIFY_GAS}(abi.encodePacked(instances, proof));
        require(ok, "proof rejected");
        uint256[] memory outputs = instances[job.numInputs:];
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
