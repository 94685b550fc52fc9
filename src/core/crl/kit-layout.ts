/**
 * Where revocation lives in a server startup kit (docs/security.md, "Revocation in the running
 * federation"). The guard is a component of ours that the FLARE server's parent process loads:
 * NVFlare merges every `local/*__p_resources.json` into the parent process's resources (its
 * `components` lists are appended), so the guard is added by a file of its own and the
 * user's `local/resources.json` / `resources.json.default` are never edited. `local/custom/`
 * is put on `sys.path` by the server before components are built.
 */
import { utf8 } from "../bytes/encoding.ts";
import { dumpJson } from "../json/dump-json.ts";

/** The guard's Python module, relative to the kit root. */
export const KIT_GUARD_MODULE = "local/custom/flare_provision_revocation.py";

/** The installed CRL (PEM), relative to the kit root. */
export const KIT_CRL_FILE = "local/custom/flare_provision_crl.pem";

/** The parent-process resources drop-in that lists the guard, relative to the kit root. */
export const KIT_GUARD_RESOURCES = "local/flare_provision_revocation__p_resources.json";

/** The kit's root CA, which the CRL must be issued and signed by. */
export const KIT_ROOT_CA = "startup/rootCA.pem";

/** The component id and class path the drop-in lists. */
export const GUARD_COMPONENT_ID = "flare_provision_revocation_guard";

/** `module.Class` of the guard, importable from `local/custom/`. */
export const GUARD_COMPONENT_PATH = "flare_provision_revocation.RevocationGuard";

/** The package file (relative to the package root) that is copied to {@link KIT_GUARD_MODULE}. */
export const PACKAGE_GUARD_MODULE = "python/flare_provision_revocation.py";

/**
 * The bytes of {@link KIT_GUARD_RESOURCES}: one component, with its file arguments spelled out
 * (relative to the server's workspace root) so an operator sees what it reads.
 */
export function renderGuardResources(): Uint8Array {
  const doc = {
    components: [
      {
        id: GUARD_COMPONENT_ID,
        path: GUARD_COMPONENT_PATH,
        args: { crl_file: KIT_CRL_FILE, root_ca_file: KIT_ROOT_CA },
      },
    ],
  };
  return utf8(`${dumpJson(doc, { indent: 4 })}\n`);
}
