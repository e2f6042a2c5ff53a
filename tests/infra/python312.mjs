// Runs Python code in Pyodide's CPython 3.12, the runtime's Python version, for the tests.
//
//   node tests/infra/python312.mjs < {"mounts": {"/var/task": "<dir>"}, "env": {...}, "code": "..."}
//
// Each host directory is mounted at its path in the interpreter; the value of the code's
// last expression is printed. A Python exception prints its traceback and exits 1.
import { loadPyodide } from "pyodide";
import { readFileSync } from "node:fs";

const spec = JSON.parse(readFileSync(0, "utf8"));
const python = await loadPyodide({ env: spec.env ?? {} });
for (const [at, directory] of Object.entries(spec.mounts ?? {})) {
  python.FS.mkdirTree(at);
  python.FS.mount(python.FS.filesystems.NODEFS, { root: directory }, at);
}
try {
  console.log(String(python.runPython(spec.code)));
} catch (error) {
  // Pyodide's message ends with the Python traceback; the rest is its own machinery.
  console.error(String(error.message).split("\n").slice(-40).join("\n"));
  process.exit(1);
}
