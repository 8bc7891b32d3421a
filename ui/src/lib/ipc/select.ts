import { inTauri, tauriBackend, type Backend } from "./backend";
import { createMockBackend } from "./mock";
import { seedOtherChannels } from "./mock/timeline";

/** The real backend inside Tauri; otherwise a simulated workspace (for `npm run dev` in a browser). */
export function pickBackend(): Backend {
  if (inTauri()) return tauriBackend;
  const mock = createMockBackend({ simulate: true, threadCount: 120, messagesPerThread: 12 });
  seedOtherChannels(mock);
  return mock;
}
