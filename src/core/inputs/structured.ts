import { invalidArgs } from "../errors/flare-error.ts";
import { parseJson } from "../json/parse-json.ts";
import { parseYaml } from "../yaml/parse-yaml.ts";

/** True for a plain mapping (not null, not an array, not a wrapper class such as PyFloat). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Parses a YAML file that must hold a mapping, with the reference's `INVALID_ARGS` details
 * (validation.md §4.1 row 4, §4.2 row 2): `failed to parse yaml <path>: <reason>` and
 * `yaml must be a mapping: <path>`.
 */
export function parseYamlMapping(bytes: Uint8Array, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseYaml(bytes, path);
  } catch (error) {
    throw invalidArgs(`failed to parse yaml ${path}: ${(error as Error).message}`);
  }
  if (!isMapping(value)) throw invalidArgs(`yaml must be a mapping: ${path}`);
  return value;
}

/** Parses a JSON file that must hold an object; `failed to parse json <path>: <reason>` otherwise. */
export function parseJsonObject(bytes: Uint8Array, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJson(bytes, path);
  } catch (error) {
    throw invalidArgs(`failed to parse json ${path}: ${(error as Error).message}`);
  }
  if (!isMapping(value)) throw invalidArgs(`failed to parse json ${path}: not a JSON object`);
  return value;
}
