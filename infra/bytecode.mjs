// Compiles every module under a directory to bytecode for the Lambda runtime's Python.
//
//   node infra/bytecode.mjs <directory> <python version, e.g. 3.12>
//
// Pyodide is CPython built for WebAssembly; its 3.12 compiler writes the same .pyc files
// (magic number, marshal format) as the runtime's native 3.12, so the asset can ship
// bytecode that this machine's own Python could not make. The directory is mounted into
// the interpreter and compiled in place with the standard library's compileall.
import { loadPyodide } from "pyodide";
import { resolve } from "node:path";

const [directory, wanted] = process.argv.slice(2);
if (!directory || !wanted) {
  console.error("usage: node infra/bytecode.mjs <directory> <python version>");
  process.exit(2);
}

// A fixed hash seed keeps set and frozenset constants in one order: same source, same bytes.
const python = await loadPyodide({ env: { PYTHONHASHSEED: "0" } });
python.FS.mkdirTree("/asset");
python.FS.mount(python.FS.filesystems.NODEFS, { root: resolve(directory) }, "/asset");
python.globals.set("wanted", wanted);
const problem = python.runPython(`
import compileall, io, py_compile, sys
from contextlib import redirect_stdout

version = "%d.%d" % sys.version_info[:2]
if version != wanted:
    problem = f"this compiler is Python {version}, not {wanted}"
else:
    report = io.StringIO()
    with redirect_stdout(report):
        compiled = compileall.compile_dir(
            "/asset",
            ddir="/var/task",
            quiet=1,
            workers=1,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    problem = "" if compiled else report.getvalue() or "compileall failed"
problem
`);
if (problem) {
  console.error(problem);
  process.exit(1);
}
