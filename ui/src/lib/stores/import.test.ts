import { describe, expect, it } from "vitest";
import type { MockBackend } from "../ipc/mock";
import { AppState } from "./app.svelte";
import { appCommands } from "../commands";
import { choiceOf, ImportWizard, reportRows, targetOf } from "./import.svelte";
import { mockPerTest, settle } from "./test-support";

const NOW = new Date(2024, 2, 14, 15, 30).getTime();

let mock: MockBackend;
mockPerTest({ now: () => NOW, threadCount: 3 }, (m) => (mock = m));

const FILE = [
  "Name,Email,Phone,Plan",
  'Ana García,ana@shop.test,+34 612 345 678,"Gold, yearly"',
  "Ben,ben@shop.test,,Basic",
  ",,,",
  "Ana again,ANA@shop.test,,Silver",
  "broken,row",
  '"<img src=x onerror=alert(1)>",evil@shop.test,,"=HYPERLINK(""http://x"")"',
].join("\n");

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

describe("the import wizard", () => {
  it("previews a file, keeps the agent's mapping, and reports every row by line", async () => {
    let imported = 0;
    const wiz = new ImportWizard(mock, () => imported++);
    wiz.open();
    expect(await wiz.pickFile({ name: "shop.csv", bytes: bytes(FILE) })).toBe(true);
    expect(wiz.step).toBe("preview");
    const p = wiz.preview!;
    expect(p.headers).toEqual(["Name", "Email", "Phone", "Plan"]);
    expect(p.rowCount).toBe(6);
    expect(p.brokenCount).toBe(1);
    expect(p.rows.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(wiz.mapping.map(choiceOf)).toEqual(["name", "email", "phone", "attr:text"]);
    expect(mock.calls.find(([c]) => c === "stage_import_file")?.[1]).toEqual({ name: "shop.csv", size: bytes(FILE).length });

    // The agent renames the detail and ignores the phone.
    wiz.setChoice(2, "ignore");
    wiz.setAttributeKey(3, "Subscription");
    expect(wiz.mapping[3]).toEqual({ target: "attribute", key: "Subscription", attributeKind: "text" });
    wiz.mode = "overwrite";
    const report = await wiz.run();
    expect(report).not.toBeNull();
    expect(wiz.step).toBe("report");
    expect(imported).toBe(1);
    expect([report!.created, report!.updated, report!.unchanged, report!.skipped]).toEqual([3, 0, 0, 3]);
    expect(reportRows(report!, "skipped").map((r) => [r.line, r.notes[0]])).toEqual([
      [4, "Empty row."],
      [5, "Duplicate of line 2 (the same email, ana@shop.test); the first is imported."],
      [6, "Broken row: it has 2 columns where the header has 4 (a missing or extra separator, or an unclosed quote)."],
    ]);
    // Hostile cells arrive as the text they are.
    const evil = reportRows(report!, "created").find((r) => r.line === 7)!;
    expect(evil.name).toBe("<img src=x onerror=alert(1)>");
    const contact = mock.contacts.get(evil.contactId!)!;
    expect(contact.attributes).toEqual([
      { key: "Email", kind: "text", value: "evil@shop.test" },
      { key: "Subscription", kind: "text", value: '=HYPERLINK("http://x")' },
    ]);
    const request = mock.calls.find(([c]) => c === "run_import")?.[1] as { request: { mode: string; phoneRegion: unknown } };
    expect(request.request.mode).toBe("overwrite");
    expect(request.request.phoneRegion).toBeNull();
  });

  it("updates a known customer only where they are blank, by default", async () => {
    const wiz = new ImportWizard(mock, () => undefined);
    const known = [...mock.contacts.values()][0];
    known.attributes = [
      { key: "Email", kind: "text", value: "known@shop.test" },
      { key: "Plan", kind: "text", value: "Old" },
    ];
    await wiz.pickFile({ name: "k.csv", bytes: bytes("Name,Email,Plan,City\nNew Name,KNOWN@shop.test,New,Lyon\n") });
    expect(wiz.mode).toBe("fillBlanks");
    const report = (await wiz.run())!;
    expect(report.rows).toEqual([{ line: 2, outcome: "updated", name: known.name, contactId: known.id, notes: [] }]);
    expect(known.attributes).toEqual([
      { key: "City", kind: "text", value: "Lyon" },
      { key: "Email", kind: "text", value: "known@shop.test" },
      { key: "Plan", kind: "text", value: "Old" },
    ]);
  });

  it("follows progress and cancels before anything is written", async () => {
    const wiz = new ImportWizard(mock, () => {
      throw new Error("nothing was imported");
    });
    const unlisten = mock.onEvent((e) => wiz.handleEvent(e));
    const rows = Array.from({ length: 40 }, (_, i) => `Person ${i},p${i}@x.test`);
    await wiz.pickFile({ name: "many.csv", bytes: bytes(["Name,Email", ...rows].join("\n")) });
    const before = mock.contacts.size;
    const running = wiz.run();
    expect(wiz.step).toBe("running");
    expect(wiz.close()).toBe(false);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(wiz.progress!.total).toBe(40);
    expect(wiz.progress!.done).toBeGreaterThan(0);
    expect(wiz.progress!.done).toBeLessThan(40);
    await wiz.cancel();
    expect(await running).toBeNull();
    expect(wiz.step).toBe("preview");
    expect(wiz.notice).toBe("Import cancelled: nothing was imported.");
    expect(mock.contacts.size).toBe(before);
    expect(wiz.progress).toBeNull();
    unlisten();
  });

  it("refuses a mapping that names nobody, a bad country, and a file too large, before asking Rust", async () => {
    const wiz = new ImportWizard(mock, () => undefined);
    await wiz.pickFile({ name: "a.csv", bytes: bytes("Name,Email\nAna,a@x.test\n") });
    wiz.setChoice(0, "ignore");
    wiz.setChoice(1, "attr:text");
    expect(wiz.blocker).toBe("Choose at least one column for the name, the email or the phone.");
    expect(await wiz.run()).toBeNull();
    wiz.setChoice(1, "email");
    wiz.phoneRegion = "Germany";
    expect(wiz.blocker).toContain("two letters");
    wiz.phoneRegion = "de";
    expect(wiz.blocker).toBeNull();
    expect(targetOf("attr:number", " Orders ")).toEqual({ target: "attribute", key: "Orders", attributeKind: "number" });

    const big = { name: "huge.csv", bytes: { length: 65 * 1024 * 1024 } as Uint8Array };
    expect(await wiz.pickFile(big)).toBe(false);
    expect(wiz.error?.message).toContain("larger than 64 MB");
    expect(mock.calls.filter(([c]) => c === "stage_import_file")).toHaveLength(1);
  });

  it("reads pasted text, and re-reads the file in a chosen encoding", async () => {
    const wiz = new ImportWizard(mock, () => undefined);
    expect(await wiz.pasteText("Name;Email\nJosé;jose@x.test\n")).toBe(true);
    expect(wiz.preview!.fileName).toBe("Pasted text.csv");
    expect(wiz.preview!.delimiter).toBe(";");
    const latin1 = new Uint8Array([...bytes("Name\nJos"), 0xe9, 0x0a]);
    await wiz.pickFile({ name: "l.csv", bytes: latin1 });
    expect(wiz.preview!.encoding).toBe("windows-1252");
    expect(wiz.preview!.rows[0].cells[0]).toBe("José");
    await wiz.chooseEncoding("UTF-8");
    expect(wiz.preview!.encoding).toBe("UTF-8");
    expect(wiz.preview!.brokenCount).toBe(1);
    expect(mock.calls.at(-1)).toEqual(["preview_import", { encoding: "UTF-8" }]);
  });

  it("opens from the command palette and the imported customers appear in Contacts", async () => {
    const app = new AppState(mock);
    await app.start();
    await app.showContacts();
    const count = app.contacts.rows.length;
    appCommands(app)
      .find((c) => c.id === "import-contacts")!
      .run();
    expect(app.imports.isOpen).toBe(true);
    await app.imports.pickFile({ name: "c.csv", bytes: bytes("Name,Email\nZed Imported,zed@x.test\n") });
    await app.imports.run();
    await settle();
    expect(app.contacts.rows.length).toBe(count + 1);
    expect(app.contacts.rows.some((r) => r.displayName === "Zed Imported")).toBe(true);
    expect(app.imports.close()).toBe(true);
    expect(app.imports.isOpen).toBe(false);
    app.stop();
  });
});
