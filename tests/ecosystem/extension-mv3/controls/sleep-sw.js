// Control: on install, store "started", then wait 60 s on a bare setTimeout (no extension
// API call, no network) and store "done". Chrome should stop the worker ~30 s in.
import { control } from "./control.js";

control(() => new Promise((resolve) => setTimeout(resolve, 60_000)));
