// Reports "painted" as Parley's window does (ui/src/lib/ipc/backend.ts, reportPainted): after the
// frame that shows the content, with that moment's wall-clock time in µs.
requestAnimationFrame(() =>
  setTimeout(() => {
    const paintedAtUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
    window.__TAURI_INTERNALS__.invoke("startup_probe", { paintedAtUs }).catch(() => undefined);
  }, 0),
);
