import { spawnSync } from "node:child_process";
import { isAbsolute, join, resolve } from "node:path";
import { FlareError } from "../core/errors/flare-error.ts";
import { packageRoot } from "./package-assets.ts";

/** The driver that runs NVFlare builders, shipped with the package (package.json "files"). */
export const BUILDERS_DRIVER = "python/flare_provision_builders.py";

/** A Python that can import NVFlare's provisioning API, and where it was named. */
export interface BuildersPython {
  python: string;
  source: "--python" | "FLARE_PROVISION_PYTHON" | "python3 on PATH";
  /** `nvflare.__version__` as the probe read it. */
  nvflare: string;
  /** Absolute path of the driver script. */
  driver: string;
}

/**
 * The Python that runs builders flare-provision does not implement: `--python PATH`, else
 * `FLARE_PROVISION_PYTHON`, else `python3` on PATH; it must import NVFlare's provisioning API
 * (the driver's `--probe`). A Python named explicitly that cannot is an error of its own.
 *
 * @throws FlareError `BUILDER_PYTHON_NOT_FOUND` (exit 4) naming the builders and why each
 *   candidate failed.
 */
export function findBuildersPython(
  builders: readonly string[],
  explicit: string | undefined,
  vars: Record<string, string | undefined>,
  cwd: string,
): BuildersPython {
  const driver = join(packageRoot(), BUILDERS_DRIVER);
  const fromEnv = vars.FLARE_PROVISION_PYTHON;
  const candidate: { python: string; source: BuildersPython["source"] } =
    explicit !== undefined
      ? { python: explicit, source: "--python" }
      : fromEnv
        ? { python: fromEnv, source: "FLARE_PROVISION_PYTHON" }
        : { python: "python3", source: "python3 on PATH" };
  // A path with a slash is the caller's file (relative to the working directory); a bare
  // name is looked up on PATH, as a shell would.
  const python =
    candidate.python.includes("/") && !isAbsolute(candidate.python)
      ? resolve(cwd, candidate.python)
      : candidate.python;
  const probe = spawnSync(python, ["-B", driver, "--probe"], {
    cwd,
    env: { ...vars, PYTHONDONTWRITEBYTECODE: "1" },
    encoding: "utf8",
    timeout: 120_000,
  });
  let why: string;
  if (probe.error) {
    why = (probe.error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : probe.error.message;
  } else {
    const result = lastJsonLine(probe.stdout);
    if (probe.status === 0 && result?.status === "ok") {
      return { python, source: candidate.source, nvflare: String(result.nvflare ?? "unknown"), driver };
    }
    why =
      typeof result?.message === "string"
        ? `cannot import NVFlare (${result.message})`
        : `exited with status ${probe.status ?? probe.signal}`;
  }
  throw new FlareError("BUILDER_PYTHON_NOT_FOUND", {
    message: `${builders.join(", ")} ${builders.length === 1 ? "needs" : "need"} NVFlare's Python, and none was found.`,
    detail: `${candidate.source === "python3 on PATH" ? "python3 on PATH" : `${candidate.python} (${candidate.source})`}: ${why}`,
  });
}

/** The last stdout line that is a JSON object: the driver's result (builders may print too). */
export function lastJsonLine(stdout: string | null | undefined): Record<string, unknown> | undefined {
  const lines = (stdout ?? "").split("\n").filter((line) => line.trim() !== "");
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const value = JSON.parse(lines[i] as string) as unknown;
      if (typeof value === "object" && value !== null && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // A builder's own output line.
    }
  }
  return undefined;
}
