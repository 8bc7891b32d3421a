// Keys the menus over the window share.

/** ↓ and ↑ move through a menu's `count` items, round; the new index, or null for any other key. */
export function arrowStep(key: string, index: number, count: number): number | null {
  if (count === 0 || (key !== "ArrowDown" && key !== "ArrowUp")) return null;
  return (index + (key === "ArrowDown" ? 1 : -1) + count) % count;
}
