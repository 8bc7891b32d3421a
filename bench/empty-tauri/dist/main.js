// Reports "painted" as Parley's window does (ui/src/lib/ipc/backend.ts, reportPainted): after the
// frame that shows the content.
requestAnimationFrame(() =>
  setTimeout(() => window.__TAURI_INTERNALS__.invoke("startup_probe").catch(() => undefined), 0),
);
