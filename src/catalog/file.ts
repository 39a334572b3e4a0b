/**
 * Reading a state catalog from a file, with the Avro schemas its `avro:NAME` types name: from the catalog's own
 * `avroSchemas`, else from the file NAME relative to the catalog's directory (the Avro entry and its `avsc` package
 * are loaded only then). Used by the CLI (`qstate get --catalog`) and the gateway; it imports the main entry's
 * classes through `../../mod.ts`, which the npm build of the gateway entry maps to the package itself.
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { CatalogError, type StateCatalog, StateCatalog as Catalog, type TypeExpressionOptions, type TypeSerializer } from "../../mod.ts";
import { loadAvro } from "../avro/load.ts";

/** A catalog and the type options its entries need (Avro schemas resolved). */
export interface LoadedCatalog {
  /** The catalog. */
  readonly catalog: StateCatalog;
  /** Pass to `catalogStateTypes`: resolves the catalog's `avro:NAME` types. */
  readonly typeOptions: TypeExpressionOptions;
}

/** Reads and checks the catalog in `path`; a file that cannot be read is a CatalogError too. */
export async function loadCatalogFile(path: string): Promise<LoadedCatalog> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new CatalogError(path, "$", `cannot read the file (${(e as Error).message}).`, { cause: e });
  }
  return await withAvro(Catalog.parse(text, path), dirname(path));
}

/**
 * `catalog` with its Avro types resolved: schemas of the catalog's `avroSchemas` by name, others read from files
 * relative to `baseDir`. Without Avro types nothing is loaded.
 */
export async function withAvro(catalog: StateCatalog, baseDir: string = "."): Promise<LoadedCatalog> {
  const names = catalog.avroNames();
  if (names.length === 0) return { catalog, typeOptions: {} };
  const { avroSerializer } = await loadAvro();
  const inline = catalog.document.avroSchemas ?? {};
  const serializers = new Map<string, TypeSerializer<unknown>>();
  for (const name of names) {
    let schema: unknown;
    if (Object.hasOwn(inline, name)) schema = inline[name];
    else {
      const file = isAbsolute(name) ? name : join(baseDir, name);
      try {
        schema = await readFile(file, "utf8");
      } catch (e) {
        throw new CatalogError(catalog.where, "$", `avro:${name} is neither in "avroSchemas" nor a readable file (${(e as Error).message}).`, { cause: e });
      }
    }
    try {
      serializers.set(name, avroSerializer(schema as string));
    } catch (e) {
      throw new CatalogError(catalog.where, Object.hasOwn(inline, name) ? `$.avroSchemas.${name}` : "$", `the Avro schema avro:${name}: ${(e as Error).message}`, { cause: e });
    }
  }
  return { catalog, typeOptions: { avro: (name) => serializers.get(name)! } };
}
