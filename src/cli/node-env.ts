import { homedir } from "node:os";
import { type CoreDeps, platformDeps } from "../core/deps.ts";
import { invalidArgs } from "../core/errors/flare-error.ts";
import type { NodeEnv } from "../node/node-env.ts";

/**
 * The clock: the system's, or a fixed instant from `FLARE_PROVISION_NOW` (ISO 8601 UTC) so
 * tests can replay the reference fixtures after their certificates expire and reproducible
 * runs can pin timestamps. Whoever sets a process's environment controls it anyway; see
 * docs/security.md.
 */
function clockDeps(env: Record<string, string | undefined>): CoreDeps {
  const deps = platformDeps();
  const fixed = env.FLARE_PROVISION_NOW;
  if (fixed === undefined || fixed === "") return deps;
  const at = new Date(fixed);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(fixed) || Number.isNaN(at.getTime())) {
    throw invalidArgs(
      `FLARE_PROVISION_NOW must be a UTC timestamp such as 2026-11-27T15:30:00Z, not '${fixed}'`,
      "Unset FLARE_PROVISION_NOW to use the system clock.",
    );
  }
  return { ...deps, now: () => new Date(at.getTime()) };
}

/** The Node environment of a CLI run: cwd, home for audit records, platform crypto and clock. */
export function nodeEnv(
  cwd: string,
  env: Record<string, string | undefined>,
  note: (line: string) => void = () => {},
  textWarning: (line: string) => void = () => {},
): NodeEnv {
  return { cwd, home: env.HOME || homedir(), deps: clockDeps(env), note, textWarning };
}
