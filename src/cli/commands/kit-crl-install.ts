import type { CommandSpec } from "../command-spec.ts";
import { nodeEnv } from "../node-env.ts";

/** `nvflare kit crl install`: verify a CRL and install it, with the revocation guard, into a server kit. */
export const kitCrlInstall: CommandSpec = {
  words: ["kit", "crl", "install"],
  summary: "install a CRL and the revocation guard into a server kit",
  description:
    "Verify a certificate revocation list (PEM 'X509 CRL' or DER) against the kit's own startup/rootCA.pem (issuer, signature, a CRL number, current per thisUpdate/nextUpdate) and install it into the server's startup kit: the CRL and the guard component go to local/custom/, and local/flare_provision_revocation__p_resources.json makes the server load the guard (local/resources.json is not edited). The server then refuses the registration of every client and admin whose certificate the CRL lists. Run it again with a newer CRL to replace only the CRL: a running server picks it up within 10 s, no restart. A CRL with a lower CRL number than the installed one, or past its nextUpdate, is refused unless --force. Client and admin kits are refused: the server enforces revocation for everyone.",
  args: [
    {
      name: "crl",
      key: "crl",
      type: "path",
      positional: true,
      required: true,
      metavar: "CRL",
      description: "the CRL file from the Project Admin (PEM or DER)",
    },
    {
      name: "kit_dir",
      key: "kitDir",
      type: "path",
      positional: true,
      required: true,
      metavar: "KIT_DIR",
      description: "the server's startup kit folder (holding startup/ and local/)",
    },
    {
      name: "--force",
      key: "force",
      type: "boolean",
      description: "install a CRL older than the installed one (lower CRL number) or not current",
    },
  ],
  examples: [
    "nvflare kit crl install ca/crl.pem workspace/hospital_federation/prod_00/server1.hospital-central.org",
    "nvflare --format json kit crl install crl.der /opt/flare/server-kit",
  ],
  async run(options, { reporter, cwd, env }) {
    const { installKitCrl } = await import("../../node/install-crl.ts");
    const result = await installKitCrl(
      { crl: options.crl as string, kitDir: options.kitDir as string, force: options.force === true },
      nodeEnv(cwd, env, (line) => reporter.note(line)),
    );
    reporter.result({
      kit_dir: result.kitDir,
      crl_file: result.crlFile,
      crl_number: result.crlNumber,
      previous_crl_number: result.previousCrlNumber,
      issuer: result.issuer,
      this_update: result.thisUpdate,
      next_update: result.nextUpdate,
      revoked: result.revoked,
      component: result.component,
      listed_in: result.listedIn,
      changed: result.changed.length > 0 ? result.changed.join(", ") : "nothing",
      restart_needed: result.restartNeeded,
      next_step: result.restartNeeded
        ? "restart the server once so it loads the guard; later CRLs need no restart"
        : "none: a running server re-reads the CRL within 10 s",
    });
  },
};
