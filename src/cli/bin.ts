import { runCli } from "./main.ts";

// The executable entry: everything else is importable without side effects. No top-level
// await: the bundle is CommonJS, which starts faster than an ES module (BENCHMARKS.md).
runCli(process.argv.slice(2), { cwd: process.cwd(), env: process.env }).then((outcome) => {
  process.exitCode = outcome.exitCode;
});
