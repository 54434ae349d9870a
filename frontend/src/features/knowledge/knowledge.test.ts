import { splitAnswer } from "./AskPanel";
import { parseSnippet } from "./snippet";
import { applyUploadEvent, newUpload } from "./uploads";
import type { UploadItem } from "./uploads";

describe("knowledge helpers", () => {
  it("renders only <mark> from a snippet; the rest stays text", () => {
    expect(parseSnippet("a &lt;b&gt; <mark>fee</mark> &amp; <mark>copies</mark>.")).toEqual([
      { text: "a <b> ", marked: false },
      { text: "fee", marked: true },
      { text: " & ", marked: false },
      { text: "copies", marked: true },
      { text: ".", marked: false },
    ]);
    expect(parseSnippet("<script>x</script>")).toEqual([{ text: "<script>x</script>", marked: false }]);
  });

  it("splits an answer into text and citation numbers as shown", () => {
    expect(splitAnswer("Yes. [1] And no [3].")).toEqual(["Yes. ", 1, " And no ", 3, "."]);
  });

  it("follows an ingestion job: progress never goes back, completed is ready", () => {
    let item: UploadItem = { ...newUpload("1", { name: "GPL-3", size: 35149 }), phase: "queued" };
    const at = (event: string, data: object) => ({ id: null, event, data: JSON.stringify(data) });
    let next = applyUploadEvent(item, at("status", { status: "running" }));
    expect(next.phase).toBe("processing");
    next = applyUploadEvent(next, at("progress", { done: 28, total: 55, fraction: 0.509 }));
    next = applyUploadEvent(next, at("progress", { done: 10, total: 55, fraction: 0.18 }));
    expect(next.fraction).toBeCloseTo(0.509);
    item = { ...next };
    expect(applyUploadEvent(item, at("completed", {})).phase).toBe("ready");
    expect(applyUploadEvent(item, at("failed", { error: "not a PDF" }))).toMatchObject({ phase: "failed", error: "not a PDF" });
  });
});
