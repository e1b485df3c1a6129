"""helpers declares its public names in __all__ and lists every one in its docstring."""

import ast
import inspect

import helpers


def public_names_defined_in_helpers():
    tree = ast.parse(inspect.getsource(helpers))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_") and n != "TYPE_CHECKING"}


def test_all_names_exactly_the_public_definitions():
    assert set(helpers.__all__) == public_names_defined_in_helpers()
    assert len(helpers.__all__) == len(set(helpers.__all__))


def test_the_docstring_indexes_every_public_name():
    missing = [n for n in helpers.__all__ if f"`{n}`" not in helpers.__doc__]
    assert not missing, f"helpers' docstring does not list {missing}"
