// GET over HTTPS trusting a test CA (node:https, which Node, Deno and Bun implement; fetch has no portable CA option).
import { get } from "node:https";

/** `GET url`, trusting `ca`; resolves with the status and the body as text. */
export function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { ca, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}
