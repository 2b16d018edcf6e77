// The page (check.mjs writes this file: shared/page.js or shared/page-slim.js).
import "../shared/page.js";
