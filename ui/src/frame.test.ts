import { describe, expect, it } from "vitest";

// Customer HTML reaches the DOM only as the srcdoc of the email frame: check that the one frame
// is sandboxed without scripts, popups, forms or navigation, and that nothing else uses srcdoc.
const sources = import.meta.glob(["./**/*.svelte", "./**/*.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

describe("the email frame", () => {
  it("is the only srcdoc, and is sandboxed with same-origin only", () => {
    const word = "src" + "doc";
    const users = Object.entries(sources)
      .filter(([path]) => !path.endsWith(".test.ts"))
      .filter(([, text]) => text.includes(word + "="))
      .map(([path]) => path);
    expect(users).toEqual(["./components/conversation/EmailHtml.svelte"]);
    const frame = sources["./components/conversation/EmailHtml.svelte"];
    const iframes = frame.match(/<iframe[\s\S]*?><\/iframe>/g) ?? [];
    expect(iframes).toHaveLength(1);
    expect(iframes[0]).toContain('sandbox="allow-same-origin"');
    for (const bad of ["allow-scripts", "allow-popups", "allow-forms", "allow-top-navigation", "allow-modals"]) {
      expect(frame).not.toContain(bad);
    }
  });
});
