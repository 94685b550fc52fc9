import { homedir } from "node:os";
import { platformDeps } from "../core/deps.ts";
import type { NodeEnv } from "../node/node-env.ts";

/** The Node environment of a CLI run: cwd, home for audit records, platform crypto and clock. */
export function nodeEnv(
  cwd: string,
  env: Record<string, string | undefined>,
  note: (line: string) => void = () => {},
  textWarning: (line: string) => void = () => {},
): NodeEnv {
  return { cwd, home: env.HOME || homedir(), deps: platformDeps(), note, textWarning };
}
