import type { CommandGroup, CommandSpec } from "../command-spec.ts";
import { certApprove } from "./cert-approve.ts";
import { certInit } from "./cert-init.ts";
import { certInspect } from "./cert-inspect.ts";
import { certKeyDecrypt, certKeyEncrypt } from "./cert-key.ts";
import { certLedgerVerify } from "./cert-ledger-verify.ts";
import { certList } from "./cert-list.ts";
import { certRequest } from "./cert-request.ts";
import { certRevoke } from "./cert-revoke.ts";
import { kitCrlInstall } from "./kit-crl-install.ts";
import { packageKit } from "./package.ts";
import { ui } from "./ui.ts";

/** Every command, in help order. Specs are light; each action imports its work lazily. */
export const COMMANDS: CommandSpec[] = [
  certInit,
  certRequest,
  certApprove,
  certInspect,
  certKeyEncrypt,
  certKeyDecrypt,
  certList,
  certRevoke,
  certLedgerVerify,
  packageKit,
  kitCrlInstall,
  ui,
];

/** Command words that group subcommands; help for a group lists its commands from {@link COMMANDS}. */
export const GROUPS: CommandGroup[] = [
  {
    word: "cert",
    summary: "certificates for distributed provisioning",
    description:
      "Manage certificates for FLARE distributed provisioning: the Project Admin creates the root CA and approves requests; each participant requests its certificate and keeps its private key.",
  },
  {
    word: "kit",
    summary: "maintain startup kits after packaging",
    description:
      "Maintain startup kits that 'package' wrote: install the Project Admin's CRL and the revocation guard into a server kit.",
  },
];
