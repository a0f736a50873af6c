"""store.trail.operations: every operation the code records is listed, read from the code itself with ast."""

import ast

from blueprints.scim import failures
from store.trail import operations
from tests.test_layers import ROOT, python_files

AUDIT_CALLS = {"record": 1, "record_each": 1, "record_many": 1}  # audit.record(app, operation, ...): where it goes


def recorded(source):
    """The operation names a module's source passes to the audit trail, as string constants.

    Found: the operation argument of audit.record / record_each; a local helper's argument that the helper
    forwards as its own `operation` parameter; values assigned to a name, field or keyword argument called
    `operation` or `..._operation` (a value object carrying the operation to record)."""
    tree = ast.parse(source)
    positions = dict(AUDIT_CALLS)
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            names = [arg.arg for arg in function.args.args]
            if "operation" in names and any(_is_audit_call(call, AUDIT_CALLS) for call in ast.walk(function)):
                positions[function.name] = names.index("operation")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_audit_call(node, positions):
            name = _called(node)
            argument = node.args[positions[name]] if len(node.args) > positions[name] else None
            argument = argument or next((k.value for k in node.keywords if k.arg == "operation"), None)
            found |= _strings(argument)
        if isinstance(node, ast.Call):
            found |= {value for keyword in node.keywords if _names_operation(keyword.arg)
                      for value in _strings(keyword.value)}
        elif isinstance(node, ast.Assign):
            found |= _assigned_to_operation(node)
        elif isinstance(node, ast.AnnAssign) and _names_operation(getattr(node.target, "id", None)):
            found |= _strings(node.value)
    return found


def _names_operation(name):
    return bool(name) and (name == "operation" or name.endswith("_operation"))


def _called(call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)


def _is_audit_call(call, positions):
    if not isinstance(call, ast.Call):
        return False
    if isinstance(call.func, ast.Attribute):  # audit.record(...), never traffic.record(...)
        return call.func.attr in AUDIT_CALLS and getattr(call.func.value, "id", None) == "audit"
    return _called(call) in positions and _called(call) not in AUDIT_CALLS


def _assigned_to_operation(node):
    found = set()
    for target in node.targets:
        if isinstance(target, ast.Name) and _names_operation(target.id):
            found |= _strings(node.value)
        elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
            for element, value in zip(target.elts, node.value.elts):
                if isinstance(element, ast.Name) and _names_operation(element.id):
                    found |= _strings(value)
    return found


def _strings(node):
    """String constants in an expression (both sides of `"a" if x else "b"`), f-strings and conditions aside."""
    if node is None:
        return set()
    formatted = {id(part) for each in ast.walk(node) if isinstance(each, (ast.JoinedStr, ast.Compare))
                 for part in ast.walk(each)}
    return {each.value for each in ast.walk(node)
            if isinstance(each, ast.Constant) and isinstance(each.value, str) and id(each) not in formatted}


def test_every_operation_the_code_records_is_listed():
    found = set()
    for path in python_files(ROOT):
        source = (ROOT / path).read_text(encoding="utf-8")
        if "audit" in source:
            found |= recorded(source)
    assert {"create-user", "host-membership", "settings", "pull-sync", "sync-source", "sync-schedule"} <= found
    assert found - set(operations.OPERATIONS) == set()


def test_refused_scim_writes_record_operations_that_are_listed():
    # blueprints.scim.failures names a refused write after its verb and resource: POST /Users → create-user.
    made = {f"{verb}-{noun}" for verb in failures._VERBS.values() for _type, noun in failures._RESOURCES.values()}
    assert made - set(operations.OPERATIONS) == set()


def test_the_scanner_finds_each_way_an_operation_is_named():
    source = '''
def _record(app, options, operation, name):
    audit.record(app, operation, "applied", name)

def write(app, local):
    audit.record(app, "update-thing" if local else "create-thing", "applied", "why")
    audit.record(app, "made-thing" if outcome == "not-an-operation" else "kept-thing", "ignored", "why")
    audit.record_each(app, "each-thing", "applied", "{subject}", [])
    _record(app, None, "helped-thing", "x")
    operation, what = "assigned-thing", "made"
    traffic.record(app, "not-an-operation")
    RECONCILE = Trail(operation="keyword-thing", group_operation="other-keyword-thing", note="not-an-operation")

class Trail:
    operation: str = "field-thing"
    group_operation: str = "group-field-thing"
'''
    assert recorded(source) == {"update-thing", "create-thing", "made-thing", "kept-thing", "each-thing",
                                "helped-thing", "assigned-thing", "keyword-thing", "other-keyword-thing",
                                "field-thing", "group-field-thing"}


def test_the_lists_hold_connect_and_no_operation_twice():
    assert "connect" in operations.OPERATIONS
    assert len(set(operations.OPERATIONS)) == len(operations.OPERATIONS)
    assert set(operations.CHANGES) <= set(operations.OPERATIONS)
