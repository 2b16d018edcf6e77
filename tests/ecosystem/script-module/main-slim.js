// The page with the slim entry: see shared/page-slim.js (copied into this project by run.mjs).
import "./shared/page-slim.js";
