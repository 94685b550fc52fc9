/**
 * `kit crl install`, the pure half: from the bytes of a CRL and of the relevant kit files,
 * decide what to write (docs/security.md, "Revocation in the running federation"). Nothing
 * here touches a file system; src/node/install-crl.ts reads the inputs and applies the plan.
 */
import { bytesEqual } from "../bytes/encoding.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { isMapping } from "../inputs/structured.ts";
import { parseJson } from "../json/parse-json.ts";
import { type ParsedCertificate, parseCertificate } from "../x509/certificate.ts";
import {
  GUARD_COMPONENT_ID,
  GUARD_COMPONENT_PATH,
  KIT_CRL_FILE,
  KIT_GUARD_MODULE,
  KIT_GUARD_RESOURCES,
  KIT_ROOT_CA,
  renderGuardResources,
} from "./kit-layout.ts";
import { CrlParseError, type ParsedCrl, parseCrl } from "./parse-crl.ts";
import { verifyCrl } from "./verify-crl.ts";

/** The kit as the node layer read it: `undefined` means the file is absent. */
export interface KitCrlState {
  /** How the kit is named in messages (its path). */
  label: string;
  /** Which `startup/fed_*.json` files exist. */
  fedServer: boolean;
  fedClient: boolean;
  fedAdmin: boolean;
  rootCaPem?: Uint8Array;
  installedCrl?: Uint8Array;
  installedModule?: Uint8Array;
  installedResources?: Uint8Array;
  /** `local/resources.json` and `local/resources.json.default`, to see whether they list the guard already. */
  resourcesJson?: Uint8Array;
  resourcesJsonDefault?: Uint8Array;
}

/** Inputs of {@link planCrlInstall}. */
export interface CrlInstallInput {
  crlBytes: Uint8Array;
  /** How the CRL is named in messages (its path as given). */
  crlLabel: string;
  kit: KitCrlState;
  /** The guard module shipped with this package. */
  guardModule: Uint8Array;
  /** Accept a CRL older than the installed one, or one that is not current. */
  force: boolean;
}

/** One file to write, by its path relative to the kit root. */
export interface KitFileWrite {
  path: string;
  bytes: Uint8Array;
  mode: 0o644;
}

/** What applying a plan changes; `nothing` when the same CRL is already installed. */
export type CrlInstallChange = "crl" | "component" | "resources";

/** The outcome of {@link planCrlInstall}. */
export interface CrlInstallPlan {
  crl: ParsedCrl;
  /** The cRLNumber of the CRL in the kit before, if one was installed and readable. */
  previousCrlNumber?: bigint;
  /** Files under `local/custom/`, in write order: the guard module first, the CRL last. */
  customFiles: KitFileWrite[];
  /** The drop-in under `local/`, when it has to be written (after the others: it activates the guard). */
  resourcesFile?: KitFileWrite;
  changed: CrlInstallChange[];
  /** The file that makes the server load the guard. */
  listedIn: string;
  /** A running server must restart once: the guard is new to it, or its code changed. */
  restartNeeded: boolean;
  warnings: string[];
}

/**
 * Checks everything and computes the writes: the kit must be a server kit (`KIT_INVALID`,
 * `KIT_NOT_SERVER`) with a readable root (`ROOTCA_LOAD_FAILED`); the CRL must parse
 * (`CRL_INVALID`) and verify against that root ({@link verifyCrl}); an installed CRL with a
 * higher cRLNumber, or the same number and other contents, is kept (`CRL_OUTDATED`) unless
 * `force`. Installing the CRL that is already there changes nothing.
 */
export async function planCrlInstall(
  input: CrlInstallInput,
  deps: Pick<CoreDeps, "crypto" | "now">,
): Promise<CrlInstallPlan> {
  const { kit } = input;
  if (!kit.fedServer) {
    if (kit.fedClient || kit.fedAdmin) {
      throw new FlareError("KIT_NOT_SERVER", {
        message: `${kit.label} is ${kit.fedClient ? "a client" : "an admin"} kit; a CRL is enforced by the server only.`,
      });
    }
    throw new FlareError("KIT_INVALID", {
      message: `${kit.label} is not a startup kit: it has no startup/fed_server.json.`,
    });
  }
  const rootLabel = `${kit.label}/${KIT_ROOT_CA}`;
  const root = readRoot(kit.rootCaPem, rootLabel);

  let crl: ParsedCrl;
  try {
    crl = parseCrl(input.crlBytes);
  } catch (error) {
    throw new FlareError("CRL_INVALID", {
      message: `Not a valid CRL: ${input.crlLabel}.`,
      detail: (error as Error).message,
    });
  }
  const verification = await verifyCrl(
    crl,
    root,
    { label: input.crlLabel, rootLabel, allowStale: input.force },
    deps,
  );
  const warnings = [...verification.warnings];

  const plan: CrlInstallPlan = {
    crl,
    customFiles: [],
    changed: [],
    listedIn: KIT_GUARD_RESOURCES,
    restartNeeded: false,
    warnings,
  };
  const previous = compareInstalled(kit, crl, input, warnings);
  if (previous.number !== undefined) plan.previousCrlNumber = previous.number;

  if (!kit.installedModule || !bytesEqual(kit.installedModule, input.guardModule)) {
    plan.customFiles.push({ path: KIT_GUARD_MODULE, bytes: input.guardModule, mode: 0o644 });
    plan.changed.push("component");
    plan.restartNeeded = true;
  }
  if (!previous.same) {
    plan.customFiles.push({ path: KIT_CRL_FILE, bytes: new TextEncoder().encode(crl.pem), mode: 0o644 });
    plan.changed.push("crl");
  }

  const listing = listingFile(kit);
  if (listing) {
    plan.listedIn = listing;
    if (kit.installedResources)
      warnings.push(
        `Warning: ${listing} lists the guard and ${KIT_GUARD_RESOURCES} exists too: remove one, or the server refuses the duplicate component id.`,
      );
  } else {
    const resources = renderGuardResources();
    if (!kit.installedResources || !bytesEqual(kit.installedResources, resources)) {
      plan.resourcesFile = { path: KIT_GUARD_RESOURCES, bytes: resources, mode: 0o644 };
      plan.changed.push("resources");
      plan.restartNeeded = true;
    }
  }
  return plan;
}

function readRoot(pem: Uint8Array | undefined, label: string): ParsedCertificate {
  if (!pem) {
    throw new FlareError("ROOTCA_LOAD_FAILED", {
      message: `The kit has no root CA certificate: ${label} is missing.`,
      hint: "Point KIT_DIR at a startup kit written by 'nvflare package'.",
    });
  }
  try {
    return parseCertificate(pem);
  } catch (error) {
    throw new FlareError("ROOTCA_LOAD_FAILED", {
      message: `Cannot read the kit's root CA certificate ${label}.`,
      detail: (error as Error).message,
      hint: "Repackage the kit with 'nvflare package --force', or restore startup/rootCA.pem.",
    });
  }
}

/** The installed CRL's number, and whether it is the very CRL being installed. */
function compareInstalled(
  kit: KitCrlState,
  crl: ParsedCrl,
  input: CrlInstallInput,
  warnings: string[],
): { number?: bigint; same: boolean } {
  if (!kit.installedCrl) return { same: false };
  const installedLabel = `${kit.label}/${KIT_CRL_FILE}`;
  let installed: ParsedCrl;
  try {
    installed = parseCrl(kit.installedCrl);
  } catch (error) {
    if (!input.force) {
      throw new FlareError("CRL_INVALID", {
        message: `The CRL installed in the kit cannot be read: ${installedLabel}.`,
        detail: (error as Error).message,
        hint: "Pass --force to replace it with the new CRL.",
      });
    }
    const reason = error instanceof CrlParseError ? error.message : String(error);
    warnings.push(`Warning: replacing the unreadable CRL ${installedLabel} (${reason}) because of --force.`);
    return { same: false };
  }
  const number = installed.crlNumber;
  if (bytesEqual(installed.der, crl.der)) return { ...(number !== undefined ? { number } : {}), same: true };
  const newer = crl.crlNumber ?? -1n;
  const older = number ?? -1n;
  if (newer <= older) {
    const why =
      newer < older
        ? `its CRL number ${newer} is lower than the installed CRL's ${older}`
        : `it has the same CRL number ${newer} as the installed CRL but other contents`;
    if (!input.force) {
      throw new FlareError("CRL_OUTDATED", {
        message: `Refusing to replace ${installedLabel} with ${input.crlLabel}: ${why}.`,
      });
    }
    warnings.push(`Warning: installing ${input.crlLabel} although ${why}, because of --force.`);
  }
  return { ...(number !== undefined ? { number } : {}), same: false };
}

/**
 * `local/resources.json` (or, when that is absent, `local/resources.json.default`: NVFlare
 * reads the first that exists) when it already lists the guard, added by hand; the drop-in
 * would then give NVFlare a duplicate component id.
 */
function listingFile(kit: KitCrlState): string | undefined {
  const [name, bytes] =
    kit.resourcesJson !== undefined
      ? ["local/resources.json", kit.resourcesJson]
      : ["local/resources.json.default", kit.resourcesJsonDefault];
  if (!bytes) return undefined;
  let doc: unknown;
  try {
    doc = parseJson(bytes, name);
  } catch {
    return undefined;
  }
  const components = isMapping(doc) ? doc.components : undefined;
  if (!Array.isArray(components)) return undefined;
  const lists = components.some(
    (c) => isMapping(c) && (c.id === GUARD_COMPONENT_ID || c.path === GUARD_COMPONENT_PATH),
  );
  return lists ? name : undefined;
}
