import { inTauri, tauriBackend, type Backend } from "./backend";
import { createMockBackend } from "./mock";

/** The real backend inside Tauri; otherwise a simulated workspace (for `npm run dev` in a browser). */
export function pickBackend(): Backend {
  if (inTauri()) return tauriBackend;
  return createMockBackend({ simulate: true, threadCount: 120, messagesPerThread: 12 });
}
