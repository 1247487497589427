// Copies the GraphiQL explorer's browser builds out of node_modules into the Python package,
// so that the server serves every asset itself (no CDN). Run by `make explorer`.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src", "graphql", "transport", "static", "explorer");
mkdirSync(out, { recursive: true });

const files = {
  "react/umd/react.production.min.js": "react.production.min.js",
  "react-dom/umd/react-dom.production.min.js": "react-dom.production.min.js",
  "graphiql/graphiql.min.js": "graphiql.min.js",
  "graphiql/graphiql.min.css": "graphiql.min.css",
};
for (const [from, to] of Object.entries(files)) {
  copyFileSync(join(root, "node_modules", from), join(out, to));
}

// The page's own script: a fetcher to this server's /graphql, nothing else.
writeFileSync(
  join(out, "explorer.js"),
  `"use strict";
const fetcher = GraphiQL.createFetcher({ url: new URL("/graphql", window.location.href).href });
ReactDOM.createRoot(document.getElementById("explorer")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultEditorToolsVisibility: true,
    defaultQuery: "# Welcome to the Flexfin API.\\n{\\n  enterprises(first: 5) {\\n    nodes { name creditCode status }\\n  }\\n}\\n",
  }),
);
`,
);
console.log(`explorer assets written to ${out}`);
