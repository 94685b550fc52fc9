import { existsSync, unlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import {
  KIT_CRL_FILE,
  KIT_GUARD_MODULE,
  KIT_GUARD_RESOURCES,
  KIT_ROOT_CA,
  PACKAGE_GUARD_MODULE,
} from "../core/crl/kit-layout.ts";
import { type CrlInstallChange, type KitCrlState, planCrlInstall } from "../core/crl/plan-crl-install.ts";
import { iso } from "../core/crl/verify-crl.ts";
import { FlareError } from "../core/errors/flare-error.ts";
import { commitFiles, discard, makeDirs, removeDirs, writeFileAtomic } from "./atomic-write.ts";
import { notWritable } from "./fs-errors.ts";
import type { NodeEnv } from "./node-env.ts";
import { readPackageAsset } from "./package-assets.ts";
import { isDirectory, MAX_INPUT_BYTES, tryReadFile } from "./read-input.ts";

/** Options of {@link installKitCrl}. */
export interface InstallCrlOptions {
  /** The CRL file (PEM `X509 CRL` or DER). */
  crl: string;
  /** The server's startup kit folder (holding startup/ and local/). */
  kitDir: string;
  /** Accept a CRL older than the installed one, or one that is not current. */
  force?: boolean;
}

/** What `kit crl install` reports. */
export interface InstallCrlResult {
  kitDir: string;
  crlFile: string;
  crlNumber: string;
  previousCrlNumber: string | null;
  issuer: string;
  thisUpdate: string;
  nextUpdate: string | null;
  revoked: number;
  component: string;
  listedIn: string;
  changed: CrlInstallChange[];
  restartNeeded: boolean;
}

/** The largest CRL accepted: a CRL of every certificate a federation could ever issue is far smaller. */
const MAX_CRL_BYTES = 16 * 1024 * 1024;

/**
 * `nvflare kit crl install CRL KIT_DIR`: verifies the CRL against the kit's own root CA and
 * places it, with the revocation guard and the drop-in that makes the server load the guard,
 * into the server kit (docs/security.md, "Revocation in the running federation"). Library API
 * of the command. Writes in two steps, each atomic: `local/custom/` (guard module, then the CRL)
 * as one commit, then the drop-in under `local/`, which activates the guard; if the second step
 * fails the first is undone, so a failed install leaves the kit as it was.
 */
export async function installKitCrl(options: InstallCrlOptions, env: NodeEnv): Promise<InstallCrlResult> {
  const kitDir = resolve(env.cwd, options.kitDir);
  if (!isDirectory(kitDir))
    throw new FlareError("KIT_NOT_FOUND", { message: `Startup kit folder not found: ${options.kitDir}.` });
  const crlPath = resolve(env.cwd, options.crl);
  const crlRead = tryReadFile(crlPath, MAX_CRL_BYTES);
  if (!crlRead.ok) {
    if (crlRead.reason === "missing")
      throw new FlareError("CRL_NOT_FOUND", { message: `CRL file not found: ${options.crl}.` });
    throw new FlareError("CRL_INVALID", {
      message: `Cannot read the CRL ${options.crl}.`,
      detail: crlRead.detail,
    });
  }

  const state = readKitState(kitDir);
  const plan = await planCrlInstall(
    {
      crlBytes: crlRead.bytes,
      crlLabel: options.crl,
      kit: state,
      guardModule: readPackageAsset(PACKAGE_GUARD_MODULE),
      force: options.force === true,
    },
    env.deps,
  );
  for (const warning of plan.warnings) env.note(warning);

  const customDir = join(kitDir, dirname(KIT_CRL_FILE));
  const customExisted = existsSync(customDir);
  if (plan.customFiles.length > 0) {
    commitFiles(
      customDir,
      plan.customFiles.map((file) => ({ name: basename(file.path), bytes: file.bytes, mode: file.mode })),
      { dirMode: 0o755 },
    );
  }
  if (plan.resourcesFile) {
    const target = join(kitDir, plan.resourcesFile.path);
    let created: string[] = [];
    try {
      created = makeDirs(dirname(target), 0o755);
      writeFileAtomic(target, plan.resourcesFile.bytes, plan.resourcesFile.mode);
    } catch (error) {
      removeDirs(created);
      undoCustomCommit(customDir, customExisted, plan.customFiles, state);
      throw notWritable(dirname(target), error);
    }
  }

  const crl = plan.crl;
  return {
    kitDir,
    crlFile: join(kitDir, KIT_CRL_FILE),
    crlNumber: String(crl.crlNumber),
    previousCrlNumber: plan.previousCrlNumber === undefined ? null : String(plan.previousCrlNumber),
    issuer: crl.issuer.toString(),
    thisUpdate: iso(crl.thisUpdate),
    nextUpdate: crl.nextUpdate ? iso(crl.nextUpdate) : null,
    revoked: crl.revoked.length,
    component: join(kitDir, KIT_GUARD_MODULE),
    listedIn: join(kitDir, plan.listedIn),
    changed: plan.changed,
    restartNeeded: plan.restartNeeded,
  };
}

/** Reads the kit files the plan looks at; an absent file stays `undefined`. */
function readKitState(kitDir: string): KitCrlState {
  const optional = (relative: string, max = MAX_CRL_BYTES): Uint8Array | undefined => {
    const read = tryReadFile(join(kitDir, relative), max);
    if (read.ok) return read.bytes;
    if (read.reason === "missing") return undefined;
    throw new FlareError(relative === KIT_ROOT_CA ? "ROOTCA_LOAD_FAILED" : "KIT_INVALID", {
      message: `Cannot read ${join(kitDir, relative)}.`,
      detail: read.detail,
    });
  };
  return {
    label: kitDir,
    fedServer: existsSync(join(kitDir, "startup", "fed_server.json")),
    fedClient: existsSync(join(kitDir, "startup", "fed_client.json")),
    fedAdmin: existsSync(join(kitDir, "startup", "fed_admin.json")),
    rootCaPem: optional(KIT_ROOT_CA),
    installedCrl: optional(KIT_CRL_FILE),
    installedModule: optional(KIT_GUARD_MODULE),
    installedResources: optional(KIT_GUARD_RESOURCES),
    resourcesJson: optional("local/resources.json", MAX_INPUT_BYTES),
    resourcesJsonDefault: optional("local/resources.json.default", MAX_INPUT_BYTES),
  };
}

/** Puts `local/custom/` back as it was before {@link commitFiles}; best effort, as any cleanup. */
function undoCustomCommit(
  customDir: string,
  existed: boolean,
  written: readonly { path: string }[],
  before: KitCrlState,
): void {
  if (written.length === 0) return;
  if (!existed) {
    discard(customDir);
    return;
  }
  const previous: Record<string, Uint8Array | undefined> = {
    [KIT_GUARD_MODULE]: before.installedModule,
    [KIT_CRL_FILE]: before.installedCrl,
  };
  const restore = written.filter((file) => previous[file.path] !== undefined);
  try {
    if (restore.length > 0)
      commitFiles(
        customDir,
        restore.map((file) => ({ name: basename(file.path), bytes: previous[file.path]!, mode: 0o644 })),
      );
    for (const file of written)
      if (previous[file.path] === undefined) unlinkSync(join(customDir, basename(file.path)));
  } catch {
    // The kit keeps the new module or CRL without the drop-in: inert until the drop-in exists.
  }
}
