import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { pickBackend } from "./lib/ipc/select";
import { AppState } from "./lib/stores/app.svelte";

const app = new AppState(pickBackend());
const target = document.getElementById("app");
if (!target) throw new Error("#app missing");

export default mount(App, { target, props: { app } });
