// Compile Solidity with solcjs. stdin: {"sources": {"Name.sol": "<source>"}, "optimize": false}
// stdout: solc's standard-JSON output. Exit 0 even on compile errors (the caller reads `errors`).
const path = require("path");
const solc = require(path.join(process.env.ZKINFER_SOLCJS_DIR || __dirname, "node_modules", "solc"));
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const req = JSON.parse(input);
  const sources = {};
  for (const [name, content] of Object.entries(req.sources)) sources[name] = { content };
  const standard = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: !!req.optimize, runs: 1 },
      outputSelection: { "*": { "*": ["evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  process.stdout.write(solc.compile(JSON.stringify(standard)));
});
