// The page: see shared/page.js (copied into this project by run.mjs).
import "../shared/page.js";
