import { programName } from "./help.ts";
import { runCli } from "./main.ts";

// The executable entry: everything else is importable without side effects. No top-level
// await: the bundle is CommonJS, which starts faster than an ES module (BENCHMARKS.md).
// Help names the bin that started us (argv[1] is the path as invoked, the symlink for an
// installed bin), as argparse's `prog` does.
runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  prog: programName(process.argv[1]),
}).then((outcome) => {
  process.exitCode = outcome.exitCode;
});
