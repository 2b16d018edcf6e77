// The page of the browser projects with the slim entry: the .wasm a file of its own,
// which the bundler (or the page's server) ships next to the code (see page-run.js).
import * as sdk from "toolhouse-agent-runs/slim";
import { runPage } from "./page-run.js";

runPage(sdk);
