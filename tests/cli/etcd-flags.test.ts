// The etcd flags shared by coordinator, taskmanager, cluster and states: the password never from argv,
// TLS files read, and what a supervisor hands its children.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { etcdFlagArgs, etcdOptionsFromFlags } from "../../src/cli/etcd-flags.ts";

describe("etcd flags", () => {
  test("a user's password comes from the environment or a file, and is required", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qs-etcd-flags-"));
    try {
      await assert.rejects(etcdOptionsFromFlags({ etcd: "http://a:2379", "etcd-user": "qs" }, "states", {}), (e: Error) =>
        (e as { code?: string }).code === "USAGE" && /QSTATE_ETCD_PASSWORD/.test(e.message));
      assert.deepEqual(await etcdOptionsFromFlags({ "etcd-user": "qs" }, "states", { QSTATE_ETCD_PASSWORD: "pw" }), { user: "qs", password: "pw" });
      writeFileSync(join(dir, "pw"), "from-file\nignored\n");
      assert.deepEqual(
        await etcdOptionsFromFlags({ "etcd-user": "qs", "etcd-password-file": join(dir, "pw") }, "states", { QSTATE_ETCD_PASSWORD: "env" }),
        { user: "qs", password: "from-file" },
      );
      // No user: no credentials, whatever the environment holds.
      assert.deepEqual(await etcdOptionsFromFlags({}, "states", { QSTATE_ETCD_PASSWORD: "pw" }), {});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("TLS files are read; a certificate needs its key; unreadable files are usage errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qs-etcd-flags-"));
    try {
      for (const f of ["ca", "cert", "key"]) writeFileSync(join(dir, f), `${f}-pem`);
      const files = { "etcd-ca": join(dir, "ca"), "etcd-cert": join(dir, "cert"), "etcd-key": join(dir, "key") };
      assert.deepEqual(await etcdOptionsFromFlags(files, "taskmanager", {}), { tls: { ca: "ca-pem", cert: "cert-pem", key: "key-pem" } });
      await assert.rejects(etcdOptionsFromFlags({ "etcd-cert": join(dir, "cert") }, "taskmanager", {}), /--etcd-cert and --etcd-key go together/);
      await assert.rejects(etcdOptionsFromFlags({ "etcd-ca": join(dir, "missing") }, "taskmanager", {}), (e: Error) =>
        (e as { code?: string }).code === "USAGE" && /cannot read --etcd-ca/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("children get every etcd flag but --etcd itself, and never a password", () => {
    assert.deepEqual(
      etcdFlagArgs({ etcd: "http://a:1,http://b:2", "etcd-user": "qs", "etcd-ca": "/ca.pem", json: true }),
      ["--etcd-user", "qs", "--etcd-ca", "/ca.pem"],
    );
  });
});
