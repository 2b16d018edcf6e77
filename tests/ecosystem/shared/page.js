// The page of the browser projects with the package's default entry (see page-run.js).
import * as sdk from "toolhouse-agent-runs";
import { runPage } from "./page-run.js";

runPage(sdk);
