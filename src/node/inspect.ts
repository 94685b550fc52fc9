import { readdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { MaybeFile } from "../core/approval/approve-request.ts";
import { KIT_CRL_FILE } from "../core/crl/kit-layout.ts";
import { FlareError, invalidArgs } from "../core/errors/flare-error.ts";
import { isMapping } from "../core/inputs/structured.ts";
import { detectFileArtifact } from "../core/inspect/detect.ts";
import { inspectCaDir } from "../core/inspect/inspect-ca-dir.ts";
import { inspectCertificate } from "../core/inspect/inspect-certificate.ts";
import { inspectCsr } from "../core/inspect/inspect-csr.ts";
import { inspectKey } from "../core/inspect/inspect-key.ts";
import { inspectKit, type KitInput } from "../core/inspect/inspect-kit.ts";
import { inspectKitSet } from "../core/inspect/inspect-kit-set.ts";
import { inspectRequestDir } from "../core/inspect/inspect-request-dir.ts";
import { inspectRequestZip } from "../core/inspect/inspect-request-zip.ts";
import { inspectSignedZip } from "../core/inspect/inspect-signed-zip.ts";
import { failedChecks, type InspectOptions, type InspectReport } from "../core/inspect/types.ts";
import { parseJson } from "../core/json/parse-json.ts";
import { normalizeFingerprint } from "../core/x509/fingerprint.ts";
import { recoverStale } from "./atomic-write.ts";
import { readLedgerFiles } from "./ledger-store.ts";
import type { NodeEnv } from "./node-env.ts";
import { isDirectory, MAX_INPUT_BYTES, pathKind, tryReadFile } from "./read-input.ts";

/** Options of {@link inspectPath}. */
export interface InspectPathOptions {
  /** A request or signed zip, a CA, request, kit or `prod_NN` folder, or a PEM file. */
  path: string;
  /** Expected root CA fingerprint (`--fingerprint`), any accepted spelling (certificates.md §7). */
  fingerprint?: string | undefined;
}

/** What {@link inspectPath} found. */
export interface InspectPathResult {
  /** The inspected path, absolute. */
  path: string;
  /** Facts (the first one is `path`) and checks; a kit set nests one report per kit. */
  report: InspectReport;
  /** Ids of the failed checks (kits' prefixed `<kit>/`); empty when everything passed. */
  failed: string[];
}

const KIT_STARTUP_FILES = [
  "fed_server.json",
  "fed_client.json",
  "fed_admin.json",
  "server.crt",
  "server.key",
  "client.crt",
  "client.key",
  "rootCA.pem",
];

const KINDS_HINT =
  "Point 'nvflare cert inspect' at a request zip, a signed zip, a CA folder, a request folder, a startup kit, a prod_NN folder of kits, or a PEM certificate, CSR or key.";

/**
 * Works out what `path` is and inspects it (library API of `cert inspect`): reads the files
 * the artifact consists of and hands them to the pure inspector of that kind. Never prints and
 * writes nothing, except that a folder is first recovered from an interrupted write. Throws `INVALID_ROOTCA_FINGERPRINT` for an unreadable `--fingerprint` and
 * `INVALID_ARGS` for a path that is missing or none of the known artifacts; failed checks are
 * not errors here (see {@link InspectPathResult.failed}).
 */
export async function inspectPath(options: InspectPathOptions, env: NodeEnv): Promise<InspectPathResult> {
  if (options.fingerprint !== undefined && !normalizeFingerprint(options.fingerprint)) {
    throw new FlareError("INVALID_ROOTCA_FINGERPRINT", {
      message: `Invalid expected root CA SHA256 fingerprint: '${options.fingerprint}'.`,
      hint: "Use the rootca_fingerprint_sha256 value printed by 'nvflare cert init' (SHA256:AA:BB:... or 64 hex digits).",
    });
  }
  const path = resolve(env.cwd, options.path);
  const inspectOptions: InspectOptions = { expectedFingerprint: options.fingerprint };
  const kind = pathKind(path);
  if (kind === "missing")
    throw invalidArgs(`nothing to inspect at ${path}: no such file or directory`, KINDS_HINT);
  const report = isDirectory(path)
    ? await inspectDirectory(path, options.path, inspectOptions, env)
    : await inspectFile(path, options.path, inspectOptions, env);
  return { path, report, failed: failedChecks(report) };
}

async function inspectFile(
  path: string,
  shown: string,
  options: InspectOptions,
  env: NodeEnv,
): Promise<InspectReport> {
  // A file of a folder left mid-commit (rootCA.pem of a CA folder) is read after the rollback.
  recoverStale(dirname(path), env.note);
  const read = tryReadFile(path, MAX_INPUT_BYTES);
  if (!read.ok) throw invalidArgs(`cannot read ${path}: ${read.detail}`);
  const bytes = read.bytes;
  const label = basename(shown);
  const artifact = detectFileArtifact(basename(path), bytes);
  let report: InspectReport;
  let extra: Record<string, string> = {};
  switch (artifact) {
    case "request-zip":
      report = await inspectRequestZip(bytes, options, env.deps);
      break;
    case "signed-zip":
      report = await inspectSignedZip(bytes, { ...options, label: shown }, env.deps);
      break;
    case "csr":
      report = await inspectCsr(bytes, { ...options, label }, env.deps);
      break;
    case "private-key":
      report = await inspectKey(bytes, { ...options, label: shown }, env.deps);
      break;
    case "certificate": {
      // A participant certificate is checked against the rootCA.pem beside it (request folder,
      // kit startup/), when there is one.
      const sibling = join(dirname(path), "rootCA.pem");
      const root = basename(path) !== "rootCA.pem" ? tryReadFile(sibling) : undefined;
      const rootBytes = root?.ok ? root.bytes : undefined;
      report = await inspectCertificate(bytes, { ...options, label, root: rootBytes }, env.deps);
      if (rootBytes) extra = { rootca_file: sibling };
      break;
    }
    default:
      throw invalidArgs(`cannot tell what ${path} is: not a zip of this workflow or a PEM file`, KINDS_HINT);
  }
  return withPath(report, path, extra);
}

async function inspectDirectory(
  path: string,
  shown: string,
  options: InspectOptions,
  env: NodeEnv,
): Promise<InspectReport> {
  // A folder left mid-commit by a killed `cert init --force` or `cert request --force` is
  // rolled back first, so the report describes the folder as every other command will see it.
  recoverStale(path, env.note);
  const entries = listDir(path);
  const names = new Set(entries.map((e) => e.name));
  if (names.has("ca.json") || names.has("rootCA.key")) {
    const file = (name: string): MaybeFile => ({
      path: join(shown, name),
      bytes: readOptional(join(path, name)),
    });
    const report = await inspectCaDir(
      {
        caDir: shown,
        caJson: file("ca.json"),
        rootCaPem: file("rootCA.pem"),
        rootCaKey: file("rootCA.key"),
        ledger: readLedgerFiles(path),
        crlPem: readOptional(join(path, "crl.pem")),
      },
      options,
      env.deps,
    );
    return withPath(report, path);
  }
  if (isDirectory(join(path, "startup"))) {
    return withPath(await inspectKit(readKit(path), options, env.deps), path);
  }
  if (names.has("request.json") || entries.some((e) => e.isFile && e.name.endsWith(".request.zip"))) {
    return withPath(await inspectRequestDir(readRequestDir(path, entries), options, env.deps), path);
  }
  const kitDirs = entries
    .filter((e) => e.isDir && !e.name.startsWith(".") && isDirectory(join(path, e.name, "startup")))
    .map((e) => e.name)
    .sort();
  if (kitDirs.length > 0) {
    const report = await inspectKitSet(
      { folder: basename(path), kits: kitDirs.map((name) => readKit(join(path, name))) },
      options,
      env.deps,
    );
    report.kits = (report.kits ?? []).map((kit, i) => withPath(kit, join(path, kitDirs[i] as string)));
    return withPath(report, path);
  }
  const prods = entries.filter((e) => e.isDir && /^prod_\d\d$/.test(e.name)).map((e) => e.name);
  throw invalidArgs(
    `cannot tell what the folder ${path} is`,
    prods.length > 0 ? `It holds ${prods.sort().join(", ")}: inspect one of them.` : KINDS_HINT,
  );
}

/** The report with `path` (and `extra`) as its first facts. */
function withPath(report: InspectReport, path: string, extra: Record<string, string> = {}): InspectReport {
  return { ...report, facts: { path, ...extra, ...report.facts } };
}

interface Entry {
  name: string;
  isFile: boolean;
  isDir: boolean;
}

/** The entries of a folder; symlinked entries count as neither file nor folder. */
function listDir(path: string): Entry[] {
  try {
    return readdirSync(path, { withFileTypes: true }).map((e) => ({
      name: e.name,
      isFile: e.isFile(),
      isDir: e.isDirectory(),
    }));
  } catch (error) {
    throw invalidArgs(`cannot read the folder ${path}: ${(error as Error).message}`);
  }
}

function readOptional(path: string, maxBytes?: number): Uint8Array | undefined {
  const read = tryReadFile(path, maxBytes);
  return read.ok ? read.bytes : undefined;
}

/** A kit folder's startup files; `prod_NN` as parent gives the deploy version. */
function readKit(path: string): KitInput {
  const startup: Record<string, Uint8Array> = {};
  for (const name of KIT_STARTUP_FILES) {
    const bytes = readOptional(join(path, "startup", name));
    if (bytes) startup[name] = bytes;
  }
  const version = /^prod_(\d\d)$/.exec(basename(dirname(path)))?.[1];
  const crl = readOptional(join(path, KIT_CRL_FILE));
  return { folder: basename(path), deployVersion: version, startup, ...(crl ? { crl } : {}) };
}

/** A request folder's files, named after request.json's `name` (else the one `*.key`). */
function readRequestDir(path: string, entries: Entry[]) {
  const requestJson = readOptional(join(path, "request.json"));
  let name: string | undefined;
  if (requestJson) {
    try {
      const parsed = parseJson(requestJson, "request.json");
      if (isMapping(parsed) && typeof parsed.name === "string" && parsed.name && !parsed.name.includes("/"))
        name = parsed.name;
    } catch {
      name = undefined;
    }
  }
  if (name === undefined) {
    const keys = entries.filter((e) => e.isFile && e.name.endsWith(".key"));
    const zips = entries.filter((e) => e.isFile && e.name.endsWith(".request.zip"));
    name =
      keys.length === 1
        ? keys[0]!.name.slice(0, -4)
        : zips.length === 1
          ? zips[0]!.name.slice(0, -".request.zip".length)
          : basename(path);
  }
  const file = (suffix: string, max?: number) => readOptional(join(path, suffix), max);
  return {
    name,
    requestJson,
    siteYaml: file("site.yaml"),
    key: file(`${name}.key`),
    csr: file(`${name}.csr`),
    requestZip: file(`${name}.request.zip`, MAX_INPUT_BYTES),
    signedZip: file(`${name}.signed.zip`, MAX_INPUT_BYTES),
    signedJson: file("signed.json"),
    certificate: file(`${name}.crt`),
    rootCa: file("rootCA.pem"),
  };
}
