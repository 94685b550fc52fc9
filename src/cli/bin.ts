import { runCli } from "./main.ts";

// The executable entry: everything else is importable without side effects.
const outcome = await runCli(process.argv.slice(2), { cwd: process.cwd(), env: process.env });
process.exitCode = outcome.exitCode;
