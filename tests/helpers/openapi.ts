/**
 * Checks real HTTP responses against an OpenAPI 3.1 document: the path and method are described, the status is one
 * of the operation's responses, the content type is the one documented, and the body validates against its schema
 * (JSON Schema 2020-12, by Ajv).
 */
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>>;
};

export class OpenApiChecker {
  readonly #doc: Doc;
  readonly #ajv: Ajv2020;
  /** Responses checked so far, as "METHOD /template STATUS". */
  readonly seen = new Set<string>();

  constructor(doc: unknown) {
    this.#doc = doc as Doc;
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    this.#ajv.addSchema(doc as object, "openapi.json");
  }

  /** The documented path template `pathname` matches (`/v1/jobs/{job}/states/{state}`). */
  template(pathname: string): string | undefined {
    return Object.keys(this.#doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(pathname));
  }

  /** Asserts that a response (with its body already read as `text`) is one the document describes. */
  check(method: string, url: string, status: number, contentType: string, text: string): void {
    const pathname = new URL(url).pathname;
    const template = this.template(pathname);
    assert.ok(template !== undefined, `${pathname} is not in the OpenAPI document`);
    const operation = this.#doc.paths[template!][method.toLowerCase()];
    assert.ok(operation !== undefined, `${method} ${template} is not in the OpenAPI document`);
    const response = operation.responses[String(status)];
    assert.ok(response !== undefined, `${method} ${template}: status ${status} is not documented (documented: ${Object.keys(operation.responses).join(", ")})`);
    const media = contentType.split(";")[0].trim();
    const content = response.content?.[media];
    assert.ok(content !== undefined, `${method} ${template} ${status}: content type ${media} is not documented (${Object.keys(response.content ?? {}).join(", ")})`);
    this.seen.add(`${method} ${template} ${status}`);
    if (!media.endsWith("json")) return;
    const schema = content!.schema;
    const validate = typeof schema.$ref === "string"
      ? this.#ajv.getSchema(`openapi.json${schema.$ref}`)!
      : this.#ajv.compile({ ...schema, $id: undefined });
    const body = JSON.parse(text);
    assert.ok(validate(body), `${method} ${template} ${status}: the body does not match the schema: ${JSON.stringify(validate.errors)}\n${text.slice(0, 500)}`);
  }
}
