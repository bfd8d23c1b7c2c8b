// JSON Schema (draft 2020-12, as the core prints it: `cargo run -p credgate-core --features
// schema --example schema`) to TypeScript type expressions, for the schema test
// (schema.test.mjs): the package's declarations are checked against the Rust types with it.
//
// The rules, and nothing else:
// - `true` / `{}` (any JSON: a `serde_json::Value`) is `unknown`;
// - `$ref: "#/$defs/X"` is the type `X` of the same schema's namespace;
// - `const` is its literal, `enum` the union of its literals, `oneOf` / `anyOf` the union;
// - `type: [..., "null"]` is the union of each type;
// - an object is its properties, optional unless `required`, plus an index signature
//   `[member: string]: T` when `additionalProperties` is `true` (T = unknown) or a schema;
// - an array is `T[]` (`items`), a fixed-length `prefixItems` array a tuple;
// - an integer is `number | bigint` in an input (the package reads both) and in an answer
//   when it is 64-bit (`format` `int64` / `uint64`: the package returns a `BigInt` beyond
//   2^53); a narrower one (`uint16`, or `uint`, `usize` on wasm32) is `number`. Other `format`s,
//   `minimum` / `maximum`, `default`, `title` and `description` carry no type;
// - in an answer (as written), a property that may be absent is never `null`: the core skips
//   `None` (`skip_serializing_if`), so `?: T | null` is `?: T`. Required nullable members stay
//   `T | null`.

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The TypeScript of one schema; `dir` is "input" (as read) or "answer" (as written). */
export function toTs(schema, dir) {
  if (schema === true || (schema && typeof schema === "object" && Object.keys(schema).every(isAnnotation))) {
    return "unknown";
  }
  if (schema === false) return "never";
  if (schema.$ref) {
    const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
    if (!m || !IDENT.test(m[1])) throw new Error(`unsupported $ref ${schema.$ref}`);
    return m[1];
  }
  if ("const" in schema) return JSON.stringify(schema.const);
  if (schema.enum) return union(schema.enum.map((v) => JSON.stringify(v)));
  if (schema.oneOf || schema.anyOf) return union((schema.oneOf ?? schema.anyOf).map((s) => toTs(s, dir)));
  const unknownKeys = Object.keys(schema).filter((k) => !KNOWN.has(k));
  if (unknownKeys.length) throw new Error(`unsupported keywords ${unknownKeys.join(", ")}`);
  const types = [schema.type].flat();
  return union(types.map((type) => one(schema, type, dir)));
}

const ANNOTATIONS = new Set(["description", "title", "default", "$schema", "examples"]);
const isAnnotation = (k) => ANNOTATIONS.has(k);
const KNOWN = new Set([
  ...ANNOTATIONS, "type", "properties", "required", "additionalProperties", "items", "prefixItems",
  "minItems", "maxItems", "format", "minimum", "maximum", "$defs",
]);
const WIDE = new Set(["int64", "uint64"]);

function one(schema, type, dir) {
  switch (type) {
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "number":
      return "number";
    case "integer":
      return dir === "input" || WIDE.has(schema.format) ? "number | bigint" : "number";
    case "array":
      if (schema.prefixItems) {
        if (schema.minItems !== schema.prefixItems.length || schema.maxItems !== schema.prefixItems.length) {
          throw new Error("only fixed-length prefixItems are supported");
        }
        return `[${schema.prefixItems.map((s) => toTs(s, dir)).join(", ")}]`;
      }
      return `(${toTs(schema.items ?? true, dir)})[]`;
    case "object": {
      const required = new Set(schema.required ?? []);
      const members = Object.entries(schema.properties ?? {}).map(([name, s]) => {
        const key = IDENT.test(name) ? name : JSON.stringify(name);
        if (required.has(name)) return `${key}: ${toTs(s, dir)}`;
        const t = dir === "answer" ? withoutNull(s) : s;
        return `${key}?: ${toTs(t, dir)}`;
      });
      const extra = schema.additionalProperties;
      if (extra !== undefined && extra !== false) {
        members.push(`[member: string]: ${extra === true ? "unknown" : toTs(extra, dir)}`);
      }
      return `{ ${members.join("; ")} }`;
    }
    default:
      throw new Error(`unsupported type ${JSON.stringify(type)}`);
  }
}

/** A schema without its `null` alternative (an optional member of an answer). */
function withoutNull(s) {
  if (Array.isArray(s.type)) {
    const type = s.type.filter((t) => t !== "null");
    return { ...s, type: type.length === 1 ? type[0] : type };
  }
  for (const k of ["anyOf", "oneOf"]) {
    if (s[k]) {
      const rest = s[k].filter((x) => x.type !== "null" || Object.keys(x).length !== 1);
      return rest.length === 1 ? { ...rest[0], description: s.description } : { ...s, [k]: rest };
    }
  }
  return s;
}

function union(parts) {
  const unique = [...new Set(parts)];
  return unique.length === 1 ? unique[0] : unique.map((p) => `(${p})`).join(" | ");
}

/**
 * A root schema as a TypeScript namespace: `Root` and every `$defs` entry as exported types.
 */
export function namespace(name, schema, dir) {
  const lines = [`export namespace ${name} {`, `  export type Root = ${toTs(strip(schema), dir)};`];
  for (const [def, s] of Object.entries(schema.$defs ?? {})) {
    lines.push(`  export type ${def} = ${toTs(s, dir)};`);
  }
  lines.push("}");
  return lines.join("\n");
}

const strip = ({ $defs, $schema, ...rest }) => rest;
