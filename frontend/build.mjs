// Compiles GOV.UK Frontend and MOJ Frontend into safehold/static/, so the app serves only
// what the npm packages ship (never hand-copied GOV.UK files).
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "safehold", "static");
const modules = join(root, "node_modules");

mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "js"), { recursive: true });

const result = sass.compile(join(root, "frontend", "scss", "app.scss"), {
  loadPaths: [root],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin"],
});
writeFileSync(join(out, "css", "app.css"), result.css);

cpSync(join(modules, "govuk-frontend", "dist", "govuk", "assets"), join(out, "govuk", "assets"), { recursive: true });
cpSync(join(modules, "govuk-frontend", "dist", "govuk", "govuk-frontend.min.js"), join(out, "js", "govuk-frontend.min.js"));
cpSync(join(modules, "@ministryofjustice", "frontend", "moj", "moj-frontend.min.js"), join(out, "js", "moj-frontend.min.js"));
cpSync(join(modules, "@ministryofjustice", "frontend", "moj", "assets"), join(out, "moj", "assets"), { recursive: true });
// Safehold's own icon: GOV.UK's favicons are the crown, which a council's service does not use.
mkdirSync(join(out, "images"), { recursive: true });
cpSync(join(root, "frontend", "favicon.svg"), join(out, "images", "favicon.svg"));
console.log("built safehold/static (css, js, govuk and moj assets)");
