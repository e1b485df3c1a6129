"""Load the definitions of a notebook, so that benchmarks time the notebooks' own code.

The teaching code lives in the notebooks (``notebooks/NN-name.md``), not in a module. A
benchmark that re-typed it would measure a copy that can drift away from what readers run.
:func:`load_notebook` reads a notebook with Jupytext and executes, in a fresh namespace, only
its *definition* cells: cells whose top-level statements are all imports, function or class
definitions, docstrings or assignments of simple constants (``HIDDEN = 100``,
``DTYPE = np.float32``, ``SIZES = (784, 100, 10)``). Cells that load data, train, plot or
assert are skipped, so loading a notebook takes a fraction of a second; only their imports,
function and class definitions and simple constant assignments (``SEED = 0``) are kept, because
a notebook often defines a function in the cell that first shows it at work, and definitions may
use constants as defaults.

Example
-------
>>> core = load_notebook("03-deep-learning-on-mnist")
>>> train_epoch = require(core, "train_epoch")
"""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class NotebookCodeMissing(LookupError):  # noqa: N818 (a name that reads as what happened)
    """Raised when a notebook, or a definition a benchmark needs from it, does not exist."""


def notebook_path(name: str | Path) -> Path:
    """Return the path of a notebook given as a path, a file name or a stem like ``"03-..."``."""
    path = Path(name)
    if path.suffix != ".md":
        path = path.with_name(path.name + ".md")
    if not path.is_absolute() and not path.exists():
        path = NOTEBOOKS / path.name
    return path


def _is_constant_expression(node: ast.expr) -> bool:
    """Whether an expression only combines literals, names and attributes (no calls)."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.Attribute):
        return _is_constant_expression(node.value)
    if isinstance(node, ast.UnaryOp):
        return _is_constant_expression(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_constant_expression(node.left) and _is_constant_expression(node.right)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_constant_expression(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(
            k is not None and _is_constant_expression(k) and _is_constant_expression(v)
            for k, v in zip(node.keys, node.values, strict=True)
        )
    return False


def is_definition(statement: ast.stmt) -> bool:
    """Whether a top-level statement only defines something (and does no work)."""
    if isinstance(statement, _DEFINITIONS):
        return True
    if isinstance(statement, ast.Expr):  # a bare string: a docstring or a comment block
        return isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)
    if isinstance(statement, ast.Assign):
        targets_ok = all(
            isinstance(t, ast.Name)
            or (isinstance(t, ast.Tuple) and all(isinstance(e, ast.Name) for e in t.elts))
            # attaching a function to a class after it: ``Conv2D.backward = conv2d_backward``
            or (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name))
            for t in statement.targets
        )
        return targets_ok and _is_constant_expression(statement.value)
    if isinstance(statement, ast.AnnAssign):
        return (
            isinstance(statement.target, ast.Name)
            and statement.value is not None
            and _is_constant_expression(statement.value)
        )
    return False


def _statement_source(source: str, statement: ast.stmt) -> str:
    """Return the source of one top-level statement, with its decorators if it has any."""
    decorators = getattr(statement, "decorator_list", [])
    first = min([statement.lineno] + [d.lineno for d in decorators])
    return "\n".join(source.splitlines()[first - 1 : statement.end_lineno])


def definition_cells(name: str | Path) -> list[tuple[str, bool]]:
    """Return the code to run from each code cell of a notebook, in order.

    Each item is ``(source, whole)``. A cell made only of definitions is returned whole
    (``whole=True``). From any other cell only its top-level imports, function and class
    definitions and assignments of simple constants are kept, one statement per item
    (``whole=False``).
    """
    path = notebook_path(name)
    if not path.is_file():
        raise NotebookCodeMissing(f"notebook {path.name} does not exist (yet)")
    pieces = []
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        if any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
            continue  # IPython magics or shell commands: never definitions
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        if tree.body and all(is_definition(statement) for statement in tree.body):
            pieces.append((source, True))
            continue
        for statement in tree.body:
            keep = isinstance(statement, _DEFINITIONS) or (
                isinstance(statement, (ast.Assign, ast.AnnAssign)) and is_definition(statement)
            )
            if keep:
                pieces.append((_statement_source(source, statement), False))
    return pieces


def load_notebook(name: str | Path) -> dict:
    """Execute a notebook's definition cells in a fresh namespace and return it.

    Parameters
    ----------
    name
        A notebook's stem (``"03-deep-learning-on-mnist"``), file name or path.

    Returns
    -------
    dict
        The namespace: every function, class, import and constant the notebook defines.
        ``namespace["__notebook__"]`` is the notebook's file name and
        ``namespace["__skipped__"]`` lists definition cells that could not run (they use a
        name that only a skipped cell makes).
    """
    path = notebook_path(name)
    namespace: dict = {"__name__": f"notebook_{path.stem.replace('-', '_')}"}
    skipped = []
    for source, whole in definition_cells(path):
        try:
            exec(compile(source, str(path), "exec"), namespace)  # noqa: S102
        except NameError as error:  # uses a name made by a cell that does work
            if whole:
                skipped.append(f"{source.splitlines()[0][:60]!r}: {error}")
    namespace["__notebook__"] = path.name
    namespace["__skipped__"] = skipped
    return namespace


def require(namespace: dict, *names: str):
    """Return the named definitions of a loaded notebook; raise a clear error if one is missing.

    Returns a single object for one name, else a tuple.
    """
    missing = [n for n in names if n not in namespace]
    if missing:
        notebook = namespace.get("__notebook__", "the notebook")
        raise NotebookCodeMissing(f"{notebook} defines no {', '.join(missing)}")
    found = tuple(namespace[n] for n in names)
    return found[0] if len(found) == 1 else found


def try_load(name: str, *names: str) -> tuple[object, str]:
    """Return ``(definitions, "")`` from a notebook, or ``(None, why)`` when they are missing."""
    try:
        return require(load_notebook(name), *names), ""
    except NotebookCodeMissing as error:
        return None, str(error)


if __name__ == "__main__":
    import sys

    for notebook in sys.argv[1:] or sorted(p.stem for p in NOTEBOOKS.glob("*.md")):
        defined = load_notebook(notebook)
        public = sorted(k for k in defined if not k.startswith("_"))
        print(f"{notebook}: {', '.join(public)}")
        for why in defined["__skipped__"]:
            print(f"    skipped {why}")
