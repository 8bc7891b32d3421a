import { describe, expect, it } from "vitest";

// Every source file as text. The forbidden words are assembled at run time so this file
// does not contain them itself.
const sources = import.meta.glob(["./**/*.ts", "./**/*.svelte", "../index.html"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

const FORBIDDEN = [
  "{" + "@html",
  "inner" + "HTML",
  "outer" + "HTML",
  "insertAdjacent" + "HTML",
  "window" + ".open(",
  "document" + ".write",
];

describe("source hygiene", () => {
  it("finds the sources", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    const app = Object.entries(sources).find(([p]) => p.endsWith("/App.svelte"));
    // Raw text, not compiled output.
    expect(app?.[1]).toContain('<script lang="ts">');
  });

  it("never renders markup from strings", () => {
    const offenders: string[] = [];
    for (const [path, text] of Object.entries(sources)) {
      for (const word of FORBIDDEN) if (text.includes(word)) offenders.push(`${path}: ${word}`);
    }
    expect(offenders).toEqual([]);
  });

  it("never puts a dynamic URL in an href", () => {
    const offenders = Object.entries(sources)
      .filter(([path]) => path.endsWith(".svelte"))
      .filter(([, text]) => /href=\{/.test(text))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });
});
