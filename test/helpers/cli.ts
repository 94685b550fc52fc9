import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FIXTURE_TIME } from "./deps.ts";
import { REPO_ROOT } from "./fixtures.ts";

/** The bundled CLI that `npm test` builds first (pretest). */
export const CLI = join(REPO_ROOT, "dist", "cli.js");

/**
 * TMPDIR for subprocesses started with a cleared environment, so that whatever they put in a
 * temp folder lands where scripts/run-tests.mjs checks for leftovers, not in the system's.
 */
export const TEMP_ENV: Record<string, string> = process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {};

/** One CLI run's observable outcome. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The parsed JSON envelope when stdout holds exactly one JSON line. */
  json: Record<string, unknown> | undefined;
}

/**
 * Runs the built CLI as a subprocess in `cwd`, with `home` as HOME (audit records) and a
 * clean environment, the way an operator's shell would. The clock is pinned to the time the
 * reference fixtures were made (FLARE_PROVISION_NOW), so replaying them keeps working after
 * their certificates expire; pass `env: { FLARE_PROVISION_NOW: "" }` for the system clock.
 */
export function runCli(
  args: string[],
  options: { cwd: string; home: string; env?: Record<string, string>; input?: string },
): CliRun {
  if (!existsSync(CLI))
    throw new Error("dist/cli.js is missing: run `npm run build` (npm test does it first)");
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: options.home,
      LANG: "C.UTF-8",
      ...TEMP_ENV,
      FLARE_PROVISION_NOW: FIXTURE_TIME.toISOString().replace(".000Z", "Z"),
      ...options.env,
    },
    encoding: "utf8",
    input: options.input ?? "",
    timeout: 60_000,
  });
  const stdout = result.stdout ?? "";
  let json: Record<string, unknown> | undefined;
  const lines = stdout.split("\n").filter(Boolean);
  if (lines.length === 1) {
    try {
      json = JSON.parse(lines[0] as string);
    } catch {
      json = undefined;
    }
  }
  return { code: result.status ?? -1, stdout, stderr: result.stderr ?? "", json };
}

/** The `data` object of a successful JSON envelope; throws with the run's output otherwise. */
export function okData(run: CliRun): Record<string, string> {
  if (run.code !== 0 || run.json?.status !== "ok") {
    throw new Error(`expected success, got exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  }
  return run.json.data as Record<string, string>;
}
