/** Startup-kit rendering (startup-kits.md): plan a kit as a virtual tree; `src/node` writes it. */
export { buildKit, type KitPlan, planKit } from "./build-kit.ts";
export { resolveBuilders } from "./builders.ts";
export type {
  KitCertType,
  KitFile,
  KitInput,
  KitMode,
  KitTree,
  KitWarning,
  ResolvedBuilders,
  SignedConnection,
} from "./types.ts";
