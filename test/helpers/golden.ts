import { readFileSync } from "node:fs";
import { fixturePath } from "./fixtures.ts";

// Readers of the golden data in test/vectors/nvflare/golden/, captured once from the reference
// tree by scripts/import-reference-vectors.mjs. It stands in for the NVIDIA-written files that
// are not copied into the repository (kit scripts, readmes, notebook, Dockerfile, diffs).

/** One file of the reference tree that is NVIDIA's text and so not copied. */
export interface WithheldFile {
  /** Fixture-relative path, e.g. `hospital/work/.../hospital-a/startup/start.sh`. */
  path: string;
  /** Octal mode the reference gave it, e.g. `"755"`. */
  mode: string;
  size: number;
  sha256: string;
}

/** An entry a script run added (A), changed (M) or removed (D) under its sandbox. */
export interface ScriptChange {
  change: "A" | "M" | "D";
  /** Sandbox-relative (`kit/transfer/`, `ws/startup`); folders end in `/`. */
  path: string;
  type: "f" | "d" | "l";
  mode: string;
  /** Link target with placeholders. */
  target?: string;
}

/** What python3 was called with, as the fake python3 recorded it (placeholders for paths). */
export interface ScriptRecord {
  cwd: string;
  argv: string[];
  PYTHONPATH: string;
  MALLOC_ARENA_MAX: string;
}

/** One observed synchronous run of a reference kit script (golden/kit-scripts.json). */
export interface ScriptScenario {
  /** Fixture-relative kit folder. */
  kit: string;
  script: string;
  args: string[];
  /** Variables set besides PATH, HOME, LANG and FAKE_PY_RECORD (placeholders for paths). */
  env: Record<string, string>;
  stdin?: string;
  status: number;
  /** Only the stdout lines the tests check (`WORKSPACE set to ...`). */
  stdoutLines: string[];
  /** The last stdout line, where a test checks it. */
  stdoutLastLine?: string;
  /** python3's record, or null when python3 never ran. */
  record: ScriptRecord | null;
  changes: ScriptChange[];
  /** Every entry under the sandbox after the run: `type mode path[ -> target]`. */
  after: string[];
}

/** The observed `start.sh` run with the sub_start.sh supervisor (golden/kit-scripts.json). */
export interface SupervisorScenario {
  kit: string;
  script: string;
  args: string[];
  env: Record<string, string>;
  status: number;
  daemonPidFileWithin3s: boolean;
  runtimeStartedWithin9s: boolean;
  record: ScriptRecord | null;
  /** What `pid.fl` held: the runtime's pid, another live process, or a dead one. */
  pidFile: "runtime" | "other live process" | "dead" | "absent";
  supervisorEndedWithin12sOfShutdownFl: boolean;
  /** Which of daemon_pid.fl, pid.fl, shutdown.fl, restart.fl remained at the end. */
  leftBehind: string[];
  /** start.sh's output lines matching `Gracefully shutdown.`. */
  logLines: string[];
}

/** The launcher run of one reference kit: sub_start.sh --once, or fl_admin.sh for admins. */
export interface RuntimeInvocation {
  script: string;
  args: string[];
  status: number;
  /** python3's argv with the kit path as `<KIT>`. */
  argv: string[] | null;
}

/** One run of a reference kit's `startup/docker.sh` under a fake docker (golden/kit-scripts.json). */
export interface DockerRun {
  kit: string;
  script: string;
  args: string[];
  /** Variables set besides PATH, HOME, LANG and the record paths. */
  env: Record<string, string>;
  status: number;
  /** docker's cwd and argv (`<KIT>`, `<DIR>`, `<UID>:<GID>`), or null when docker never ran. */
  docker: { cwd: string; argv: string[] } | null;
}

/** golden/kit-scripts.json. */
export interface KitScriptsGolden {
  runtime: Record<string, RuntimeInvocation>;
  /** docker.sh runs, keyed `<kit>[ <args>][ <variables>]`. */
  docker: Record<string, DockerRun>;
  scenarios: {
    "sub_start --once/server": ScriptScenario;
    "sub_start --once/client": ScriptScenario;
    "sub_start --once/client/NVFL_WORKSPACE": ScriptScenario;
    "fl_admin/admin/extra args": ScriptScenario;
    "stop_fl/client/y": ScriptScenario;
    "stop_fl/server/n": ScriptScenario;
    "start.sh supervisor/client": SupervisorScenario;
  };
}

/** One reference `diff -ruN` of builders/ kit trees (golden/builders-diffs.json). */
export interface BuildersDiff {
  path: string;
  size: number;
  sha256: string;
  /** The `left right` pairs of its `diff -ruN` lines, in order. */
  files: [string, string][];
}

const cache = new Map<string, unknown>();

function golden<T>(name: string): T {
  if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(fixturePath("golden", name), "utf8")));
  return cache.get(name) as T;
}

/** The NVIDIA-written files of the reference tree, which the repository does not hold. */
export function withheldFiles(): WithheldFile[] {
  return golden<{ files: WithheldFile[] }>("withheld-files.json").files;
}

/** What the reference kits' scripts did under a fake python3. */
export function kitScriptsGolden(): KitScriptsGolden {
  return golden<KitScriptsGolden>("kit-scripts.json");
}

/** The reference launcher run of the kit `kitDir` (fixture-relative); fails when not captured. */
export function referenceRuntimeInvocation(kitDir: string): RuntimeInvocation {
  const found = kitScriptsGolden().runtime[kitDir];
  if (!found) throw new Error(`golden/kit-scripts.json has no runtime entry for ${kitDir}`);
  return found;
}

/** The reference diff `builders/diffs/<name>`. */
export function buildersDiff(name: string): BuildersDiff {
  const path = `builders/diffs/${name}`;
  const found = golden<{ diffs: BuildersDiff[] }>("builders-diffs.json").diffs.find((d) => d.path === path);
  if (!found) throw new Error(`golden/builders-diffs.json has no ${path}`);
  return found;
}

/** `[INSTRUCTION, arguments]` pairs of a reference Dockerfile (golden/dockerfiles.json). */
export function referenceDockerfile(path: string): [string, string][] {
  const found = golden<{ files: Record<string, [string, string][]> }>("dockerfiles.json").files[path];
  if (!found) throw new Error(`golden/dockerfiles.json has no ${path}`);
  return found;
}

/** The same pairs read from a Dockerfile's text (no line continuations), as the capture made them. */
export function dockerfileInstructions(text: string): [string, string][] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [word = "", ...rest] = line.split(/\s+/);
      return [word.toUpperCase(), rest.join(" ")];
    });
}
