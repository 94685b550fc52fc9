import { FlareError } from "../errors/flare-error.ts";
import type { ResolvedBuilders } from "./types.ts";

/** Class paths of the stock builders flare-provision knows (startup-kits.md §8). */
export const STATIC_FILE_BUILDER = "nvflare.lighter.impl.static_file.StaticFileBuilder";
/** Replaced by the pre-signed certificate installer; its args are ignored. */
export const CERT_BUILDER = "nvflare.lighter.impl.cert.CertBuilder";
/** Dropped: distributed kits never carry a `signature.json`. */
export const SIGNATURE_BUILDER = "nvflare.lighter.impl.signature.SignatureBuilder";
/** Replaced by the fixed `prod_<NN>` writer; `template_file` cannot change the standard sections. */
export const WORKSPACE_BUILDER = "nvflare.lighter.impl.workspace.WorkspaceBuilder";
/** Rendered natively: compose.yaml, .env and nvflare_compose/ at the `prod_<NN>` root. */
export const DOCKER_BUILDER = "nvflare.lighter.impl.docker.DockerBuilder";

/** DockerBuilder defaults, as the reference's constructor has them. */
export const DOCKER_DEFAULT_BASE_IMAGE = "python:3.10";
export const DOCKER_DEFAULT_REQUIREMENTS_FILE = "requirements.txt";

const STOCK_BUILDERS_HINT =
  "Only the stock builders StaticFileBuilder, CertBuilder, SignatureBuilder, WorkspaceBuilder and " +
  "DockerBuilder (nvflare.lighter.impl.*) run natively; any other builder class runs only through NVFlare's " +
  "own Python: run 'package' on the command line with a Python that can import nvflare (--python PATH or " +
  "FLARE_PROVISION_PYTHON), or remove the entry from 'builders' in the request folder's site.yaml.";

/**
 * Reads the local `site.yaml` `builders:` block (artifacts.md §2.2) and returns what it changes in
 * the kit. A falsy value (absent, `null`, `[]`, `{}`) means the default builders, as in the
 * reference. Entries are checked in order and the first problem throws.
 *
 * The stock builders, DockerBuilder included, are rendered natively. Any other class is listed
 * in `external`, in order, with its args: only NVFlare's Python can run it, so the caller either
 * runs it that way (src/node/run-builders.ts) or refuses it ({@link externalBuildersRefused}).
 *
 * When several StaticFileBuilders are listed, the reference runs each of them and the last one
 * rewrites the startup files, so its `config_folder` and `require_signed_jobs` win, while a
 * `docker.sh` written by an earlier one stays: hence the last non-empty `docker_image`.
 *
 * @throws FlareError `LOCAL_SITE_INVALID` (exit 4) for a malformed block or a bad
 *   arg; `BUILD_FAILED` (exit 1) for a second DockerBuilder, which fails in the reference too.
 */
export function resolveBuilders(builders: unknown): ResolvedBuilders {
  const resolved: ResolvedBuilders = {
    configFolder: "",
    requireSignedJobs: null,
    dockerImage: null,
    docker: null,
    templateFiles: [],
    external: [],
    warnings: [],
  };
  if (isFalsy(builders)) return resolved;
  if (!Array.isArray(builders)) {
    throw invalidBuilders(`builders must be a list but got ${describeType(builders)}`);
  }
  builders.forEach((entry, index) => {
    if (!isMapping(entry)) {
      throw invalidBuilders(`builders[${index}] must be a mapping with 'path' and optional 'args'`);
    }
    const path = entry.path;
    if (isFalsy(path)) throw invalidBuilders(`builders[${index}]: missing 'path' from object config`);
    if (typeof path !== "string") throw invalidBuilders(`builders[${index}]: 'path' must be a string`);
    const args = entry.args ?? {};
    if (!isMapping(args))
      throw invalidBuilders(`Class ${path} has parameters error: 'args' must be a mapping`);
    switch (path) {
      case STATIC_FILE_BUILDER:
        applyStaticFileArgs(resolved, args);
        break;
      case WORKSPACE_BUILDER:
        // Builders run through NVFlare load the template files it names, as the package flow does.
        resolved.templateFiles = templateFiles(args.template_file);
        if (Object.keys(args).length > 0) {
          resolved.warnings.push({
            code: "BUILDER_ARGS_IGNORED",
            message: `${path} args are ignored: flare-provision uses its own prod_<NN> writer.`,
          });
        }
        break;
      case CERT_BUILDER:
        // Both are replaced by fixed steps of the package flow (startup-kits.md §8); their args
        // (e.g. WorkspaceBuilder template_file) cannot change the standard kit files.
        if (Object.keys(args).length > 0) {
          resolved.warnings.push({
            code: "BUILDER_ARGS_IGNORED",
            message: `${path} args are ignored: flare-provision uses its own pre-signed certificate installer.`,
          });
        }
        break;
      case DOCKER_BUILDER:
        applyDockerArgs(resolved, args);
        break;
      case SIGNATURE_BUILDER:
        resolved.warnings.push({
          code: "BUILDER_DROPPED",
          message: `${path} is skipped: distributed provisioning kits carry no signature.json.`,
        });
        break;
      default:
        // Not ours to render: run later through the requester's NVFlare (external-builders.ts).
        resolved.external.push({ path, args });
    }
  });
  return resolved;
}

/**
 * The error for builders that only NVFlare's Python can run, where none is available (the
 * browser, or `reason` says why the command found none). Names the first class, as the
 * reference's load error does, so the message keeps its opening words.
 */
export function externalBuildersRefused(external: readonly { path: string }[], reason?: string): FlareError {
  const first = external[0]?.path ?? "";
  return new FlareError("LOCAL_SITE_INVALID", {
    message: `Invalid local participant definition: Can't load class ${first}: flare-provision cannot run builder classes other than the stock ones${reason ? ` (${reason})` : ""}`,
    hint: STOCK_BUILDERS_HINT,
  });
}

/** WorkspaceBuilder `template_file`: one name or a list (the reference's load_templates). */
function templateFiles(value: unknown): string[] {
  if (value === undefined || value === null || value === "") return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return [...value];
  throw invalidBuilders("WorkspaceBuilder template_file must be a file name or a list of file names");
}

/** StaticFileBuilder args (startup-kits.md §8); unknown args are ignored like the reference's `**kwargs`. */
function applyStaticFileArgs(resolved: ResolvedBuilders, args: Record<string, unknown>): void {
  const requireSignedJobs = args.require_signed_jobs ?? null;
  if (requireSignedJobs !== null && typeof requireSignedJobs !== "boolean") {
    throw invalidBuilders("require_signed_jobs must be a boolean");
  }
  // The reference renders a null config_folder as the text "None"; an absent value is the
  // documented default "" and the only sensible reading of null too.
  const configFolder = args.config_folder ?? "";
  if (typeof configFolder !== "string") throw invalidBuilders("config_folder must be a string");
  const dockerImage = args.docker_image ?? "";
  if (typeof dockerImage !== "string") throw invalidBuilders("docker_image must be a string");

  resolved.requireSignedJobs = requireSignedJobs;
  resolved.configFolder = configFolder;
  if (dockerImage !== "") resolved.dockerImage = dockerImage;
  if (args.scheme !== undefined) {
    resolved.warnings.push({
      code: "BUILDER_ARG_IGNORED",
      message: "StaticFileBuilder arg 'scheme' is ignored: the scheme approved in signed.json is used.",
    });
  }
  if (args.overseer_agent !== undefined && args.overseer_agent !== null) {
    resolved.warnings.push({
      code: "BUILDER_ARG_OBSOLETE",
      message: "StaticFileBuilder arg 'overseer_agent' is obsolete and ignored.",
    });
  }
}

/**
 * DockerBuilder args: `base_image` and `requirements_file`, nothing else (its constructor takes
 * no `**kwargs`, so the reference fails on any other name). Stricter than the reference on
 * types: it would write `FROM 3` for a number; a line break would add Dockerfile instructions.
 */
function applyDockerArgs(resolved: ResolvedBuilders, args: Record<string, unknown>): void {
  const unknown = Object.keys(args).find((key) => key !== "base_image" && key !== "requirements_file");
  if (unknown !== undefined) {
    throw invalidBuilders(
      `Class ${DOCKER_BUILDER} has parameters error: TypeError: DockerBuilder.__init__() got an unexpected keyword argument '${unknown}'.`,
    );
  }
  const baseImage = args.base_image ?? DOCKER_DEFAULT_BASE_IMAGE;
  if (typeof baseImage !== "string" || !isImageName(baseImage)) {
    throw invalidBuilders("DockerBuilder base_image must be an image name without spaces or line breaks");
  }
  const explicit = args.requirements_file !== undefined && args.requirements_file !== null;
  const requirementsFile = args.requirements_file ?? DOCKER_DEFAULT_REQUIREMENTS_FILE;
  if (typeof requirementsFile !== "string" || requirementsFile === "" || requirementsFile.includes("\0")) {
    throw invalidBuilders("DockerBuilder requirements_file must be a non-empty path");
  }
  if (resolved.docker !== null) {
    // The reference's second DockerBuilder fails creating nvflare_compose/ again.
    throw new FlareError("BUILD_FAILED", {
      detail: `${DOCKER_BUILDER} is listed twice: its nvflare_compose folder already exists`,
      hint: "List DockerBuilder once in the 'builders' block of the request folder's site.yaml.",
    });
  }
  resolved.docker = { baseImage, requirementsFile, requirementsFileExplicit: explicit };
}

/** Non-empty, no blank or control character: one word on the `FROM` line. */
function isImageName(value: string): boolean {
  return value !== "" && [...value].every((ch) => ch.charCodeAt(0) > 0x20 && ch !== "\x7f" && !/\s/.test(ch));
}

function invalidBuilders(detail: string): FlareError {
  return new FlareError("LOCAL_SITE_INVALID", { message: `Invalid local participant definition: ${detail}` });
}

/** Python truthiness for YAML values: the reference treats all of these as "no builders". */
function isFalsy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return isMapping(value) && Object.keys(value).length === 0;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeType(value: unknown): string {
  if (isMapping(value)) return "a mapping";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  return "a scalar";
}
