"""Face → Policy → Store → Models, one way; rules, scim and sync stay pure; store has no circle."""
import ast
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
TOPS = ("app.py", "blueprints", "cli", "provisioning", "rules", "store", "models",
        "scim", "sync", "simulate", "config")
OURS = tuple(top.removesuffix(".py") for top in TOPS)
FACE = ("app", "blueprints", "cli")
SERVER = ("flask", "flask_httpauth", "werkzeug", "peewee", "playhouse")


class Import(NamedTuple):
    """One imported module, and the name taken from it by `from module import name`."""

    line: int
    module: str
    name: str | None = None

    def label(self):
        """What the import brings in, as a dotted name."""
        return self.module if self.name is None else f"{self.module}.{self.name}"


def python_files(root):
    """Relative paths of the .py files in the top-level code folders."""
    paths = [root / "app.py", *(p for top in TOPS[1:] for p in sorted((root / top).rglob("*.py")))]
    return [p.relative_to(root).as_posix() for p in paths
            if p.is_file() and "__pycache__" not in p.parts]


def module_of(relpath):
    """Dotted module name of a file; a package's __init__.py is the package itself."""
    parts = relpath.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(root, name):
    """Whether a dotted name is a module or a package in the tree."""
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def imports_of(root, relpath):
    """Every import of a file, at any depth, with relative imports made absolute."""
    here = module_of(relpath)
    package = here if relpath.endswith("__init__.py") else here.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse((root / relpath).read_text(), relpath)):
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                anchor = parts[:len(parts) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                found.append(Import(node.lineno, base, alias.name))
                if alias.name != "*" and is_module(root, f"{base}.{alias.name}"):
                    found.append(Import(node.lineno, f"{base}.{alias.name}"))
    return sorted(found, key=lambda i: (i.line, i.module, i.name or ""))


def within(module, prefixes):
    """Whether a module is one of the prefixes or lies inside one."""
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def report(root, tops, bad):
    """'file:line imports X' for each import, from files in tops, that bad(import) rejects."""
    lines = (f"{f}:{i.line} imports {i.label()}" for f in python_files(root)
             if module_of(f).split(".")[0] in tops for i in imports_of(root, f) if bad(i))
    return list(dict.fromkeys(lines))


def crossings(root, tops, forbidden):
    """Imports, from files in tops, of any module within forbidden."""
    return report(root, tops, lambda i: within(i.module, forbidden))


def store_upward(root):
    """Store reaching up to policy or the face."""
    return crossings(root, ("store",), ("provisioning", *FACE))


def rules_impure(root):
    """Rules reaching into policy, store, models, the face, Flask or peewee."""
    return crossings(root, ("rules",), ("provisioning", "store", "models", *FACE,
                                        "flask", "peewee", "playhouse"))


def models_outward(root):
    """Models importing any of our modules other than models."""
    return crossings(root, ("models",), tuple(m for m in OURS if m != "models"))


def model_classes_above_store(root):
    """Face or policy importing anything from models but `db`."""
    return report(root, (*FACE, "provisioning"),
                  lambda i: within(i.module, ("models",)) and i.label() != "models.db")


def policy_on_flask(root):
    """Policy importing the face or Flask."""
    return crossings(root, ("provisioning",), (*FACE, "flask"))


def protocol_impure(root):
    """scim/ or sync/ importing the server stack or our other layers."""
    return crossings(root, ("scim", "sync"), (*SERVER, "models", "store", "provisioning",
                                              "rules", *FACE))


def reachable(edges, start):
    """Modules reachable from start, start included."""
    seen, todo = {start}, [start]
    while todo:
        for _, nxt in edges[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def store_circles(root):
    """Each import between store modules on a circle; `from pkg import sub` is an edge to sub."""
    files = {module_of(f): f for f in python_files(root) if within(module_of(f), ("store",))}
    edges = {m: [(i.line, i.module) for i in imports_of(root, f) if i.module in files
                 and (i.name is None or not is_module(root, i.label()))]
             for m, f in files.items()}
    back = {m: reachable(edges, m) for m in files}
    return [f"{files[m]}:{line} imports {t}" for m in files for line, t in edges[m] if m in back[t]]


def undocumented_store_packages(root):
    """Store sub-packages whose __init__.py lacks a one-line module docstring."""
    bad = []
    for init in sorted((root / "store").glob("*/**/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        if not doc or "\n" in doc:
            bad.append(f"{init.relative_to(root).as_posix()}: needs a one-line docstring")
    return bad


CHECKS = (store_upward, rules_impure, models_outward, model_classes_above_store,
          policy_on_flask, protocol_impure, store_circles, undocumented_store_packages)


def violations(root):
    """Every broken arrow in the tree at root, by check name."""
    return {check.__name__: check(root) for check in CHECKS}


def repository_test(check):
    """A test failing with every offender that check finds in this repository."""
    def test():
        found = check(ROOT)
        assert not found, "\n" + "\n".join(found)
    return test


test_store_does_not_import_policy_or_face = repository_test(store_upward)
test_rules_stay_pure = repository_test(rules_impure)
test_models_import_only_models = repository_test(models_outward)
test_face_and_policy_take_only_db_from_models = repository_test(model_classes_above_store)
test_policy_is_flask_free = repository_test(policy_on_flask)
test_scim_and_sync_stay_protocol_only = repository_test(protocol_impure)
test_store_modules_import_no_circle = repository_test(store_circles)
test_store_packages_say_what_they_hold = repository_test(undocumented_store_packages)


def test_checker_bites(tmp_path):
    """A fake tree breaking every rule is caught, and `from models import db` is not."""
    fake = {
        "store/x.py": "from provisioning import options\n",
        "store/a.py": "from . import b\n",
        "store/b.py": "def f():\n    from .a import thing\n",
        "store/pkg/__init__.py": "from . import m\nx = 1\n",
        "store/ok/__init__.py": '"""Fine."""\nfrom . import leaf\n',
        "store/ok/leaf.py": "",
        "store/pkg/m.py": "from .. import sql\nfrom ..pkg import x\n",
        "store/sql.py": "",
        "provisioning/options.py": "from models import db\nimport flask\n",
        "blueprints/v.py": "from models import User, db\nimport models.user\n",
        "models/user.py": "from store import sql\n",
        "rules/r.py": "from store.sql import q\n",
        "scim/p.py": "def f():\n    import flask\n",
    }
    for path, text in fake.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    assert imports_of(tmp_path, "store/pkg/m.py") == [
        Import(1, "store", "sql"), Import(1, "store.sql"), Import(2, "store.pkg", "x")]
    assert violations(tmp_path) == {
        "store_upward": ["store/x.py:1 imports provisioning.options"],
        "rules_impure": ["rules/r.py:1 imports store.sql.q"],
        "models_outward": ["models/user.py:1 imports store.sql"],
        "model_classes_above_store": ["blueprints/v.py:1 imports models.User",
                                      "blueprints/v.py:2 imports models.user"],
        "policy_on_flask": ["provisioning/options.py:2 imports flask"],
        "protocol_impure": ["scim/p.py:2 imports flask"],
        "store_circles": ["store/a.py:1 imports store.b", "store/b.py:2 imports store.a",
                          "store/pkg/__init__.py:1 imports store.pkg.m",
                          "store/pkg/m.py:2 imports store.pkg"],
        "undocumented_store_packages": ["store/pkg/__init__.py: needs a one-line docstring"],
    }
