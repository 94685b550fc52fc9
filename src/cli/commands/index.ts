import type { CommandSpec } from "../command-spec.ts";
import { certApprove } from "./cert-approve.ts";
import { certInit } from "./cert-init.ts";
import { certInspect } from "./cert-inspect.ts";
import { certRequest } from "./cert-request.ts";
import { kitCrlInstall } from "./kit-crl-install.ts";
import { packageKit } from "./package.ts";
import { ui } from "./ui.ts";

/** Every command, in help order. Specs are light; each action imports its work lazily. */
export const COMMANDS: CommandSpec[] = [
  certInit,
  certRequest,
  certApprove,
  certInspect,
  packageKit,
  kitCrlInstall,
  ui,
];
