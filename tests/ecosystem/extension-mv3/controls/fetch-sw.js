// Control: on install, store "started", then fetch every 5 s for 60 s (network activity
// like the package's polls, but no extension API call) and store "done". Shows whether
// outgoing requests alone keep the worker alive.
import { control } from "./control.js";

control(async (report) => {
  for (let i = 1; i <= 12; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await report(`tick${i}`);
  }
});
