#!/usr/bin/python3
"""Validate chokepoint data files against their JSON Schemas (docs/schema/*.schema.json).

Run with Debian's /usr/bin/python3 (python3-jsonschema, python3-yaml):

    /usr/bin/python3 tests/schema/check_schema.py docs/schema/dataset.schema.json data/rare-earths
    /usr/bin/python3 tests/schema/check_schema.py docs/schema data      # each file's modeline picks the schema
    /usr/bin/python3 tests/schema/check_schema.py --schema-from-modeline FILE...
    /usr/bin/python3 tests/schema/check_schema.py --expect-invalid --no-modeline SCHEMA tests/data/schema/invalid-*.yaml

The first argument is a schema file, which every file is checked against, or a directory of
schemas: then each file's modeline chooses its schema, which must be a file in that directory
(datasets and scenarios can be checked in one run). With --schema-from-modeline there is no
schema argument and the modeline may name any schema file.

Every *.yaml / *.yml file (directories are searched recursively, skipping hidden entries like
the loader does) is read by the YAML 1.2 core schema, as chokepoint and the YAML language
server read it (010 is 10, yes/on/NO are strings, 2025-06-01 is a string, ~/null/empty are
null, only true/false are booleans), and validated with a draft-07 validator. Beyond the schema,
the checker reports what JSON Schema cannot see but the loader rejects: duplicate keys, anchors,
aliases and explicit tags, non-finite numbers (.inf, .nan, 1e999), hexadecimal or octal numbers,
and floats where an integer is expected (JSON Schema counts 2025.0 as an integer; the loader
does not).

Each problem is printed as `file: path.to.key: message`. Unless --no-modeline is given, each
file's first line must be `# yaml-language-server: $schema=<relative path>` and that path must
resolve to the schema. With --expect-invalid, a file may say why it must be rejected in lines
`# expect-schema: TEXT`: each TEXT must occur in one of its `path.to.key: message` lines, so a
fixture rejected for another reason fails. Exit status: 0 clean, 1 on any failure, 2 on a
usage error.
"""

import argparse
import difflib
import json
import math
import os
import re
import sys

import jsonschema
import yaml

MODELINE_RE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\s*$")
EXPECT_RE = re.compile(r"^#\s*expect-schema:\s*(.*?)\s*$", re.MULTILINE)

# ---- YAML 1.2 core schema for PyYAML --------------------------------------------------------


class NonDecimalInt(int):
    """An integer written 0x... or 0o...: YAML 1.2 reads it, chokepoint rejects it as a number."""

    def __new__(cls, text, base):
        value = super().__new__(cls, int(text[2:], base))
        value.text = text
        return value


class YamlProblem(Exception):
    def __init__(self, message, mark):
        super().__init__(message)
        self.message = message
        self.mark = mark


class CoreLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema resolution and chokepoint's strictness."""

    def __init__(self, stream):
        super().__init__(stream)
        self.problems = []   # (mark, message), non-fatal (duplicate keys)

    # Anchors, aliases and explicit tags are fatal (the loader's E102; tags are not supported).
    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise YamlProblem("aliases (*name) are not allowed; write the value out", event.start_mark)
        if getattr(event, "anchor", None) is not None:
            raise YamlProblem("anchors (&name) are not allowed; write the value out", event.start_mark)
        tag = getattr(event, "tag", None)
        allowed = {None, "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
        if isinstance(event, yaml.ScalarEvent):
            allowed.discard("tag:yaml.org,2002:map")
            allowed.discard("tag:yaml.org,2002:seq")
        if tag not in allowed:
            raise YamlProblem(f"explicit YAML tags ({tag}) are not supported; write a plain value",
                              event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        self.problems.append((key_node.start_mark, f"duplicate key '{key_node.value}'"))
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


# Only the core schema's resolvers, none of YAML 1.1's (yes/no/on/off, 0-prefixed octal,
# sexagesimal numbers, timestamps, '<<' merge keys, '=' values).
CoreLoader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", list("-+0123456789")),
    ("tag:yaml.org,2002:int", r"^0o[0-7]+$", ["0"]),
    ("tag:yaml.org,2002:int", r"^0x[0-9a-fA-F]+$", ["0"]),
    ("tag:yaml.org,2002:float", r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$",
     list("-+.0123456789")),
    ("tag:yaml.org,2002:float", r"^[-+]?\.(?:inf|Inf|INF)$", ["-", "+", "."]),
    ("tag:yaml.org,2002:float", r"^\.(?:nan|NaN|NAN)$", ["."]),
]:
    CoreLoader.add_implicit_resolver(_tag, re.compile(_regexp), _first)


def _construct_null(loader, node):
    loader.construct_scalar(node)
    return None


def _construct_bool(loader, node):
    return loader.construct_scalar(node).lower() == "true"


def _construct_int(loader, node):
    value = loader.construct_scalar(node)
    if value.startswith("0o"):
        return NonDecimalInt(value, 8)
    if value.startswith("0x"):
        return NonDecimalInt(value, 16)
    return int(value, 10)   # 010 is 10, never octal


def _construct_float(loader, node):
    value = loader.construct_scalar(node)
    lowered = value.lower()
    if lowered in (".inf", "+.inf"):
        return math.inf
    if lowered == "-.inf":
        return -math.inf
    if lowered == ".nan":
        return math.nan
    return float(value)   # 1e999 becomes inf and is reported as non-finite


CoreLoader.add_constructor("tag:yaml.org,2002:null", _construct_null)
CoreLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
CoreLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
CoreLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load_yaml(text):
    """Returns (document, problems); problems are (mark, message). Raises yaml.YAMLError."""
    loader = CoreLoader(text)
    try:
        document = loader.get_single_data()   # a second document ('---') is an error
    finally:
        loader.dispose()
    return document, loader.problems


# ---- validation -----------------------------------------------------------------------------


def _strict_integer(_checker, instance):
    return isinstance(instance, int) and not isinstance(instance, bool)


# Draft 7 with one change: 2025.0 is not an integer (chokepoint reads it as a number, not a year).
Validator = jsonschema.validators.extend(
    jsonschema.Draft7Validator,
    type_checker=jsonschema.Draft7Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


def _shown(value, limit=60):
    """A value as YAML would show it: 'text', 12, 1.5, true, null."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    else:
        text = json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _path(parts):
    return ".".join(str(p) for p in parts) if parts else "(root)"


def _kind(value):
    if value is None:
        return "an empty value (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


_TYPE_NAMES = {"string": "a string", "number": "a number", "integer": "an integer", "boolean": "a boolean",
               "array": "a list", "object": "a mapping", "null": "null"}
_NUMBER_RE = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")


def _type_message(expected, instance):
    if isinstance(expected, str):
        expected = [expected]
    wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in expected)
    got = _kind(instance)
    if instance is not None and not isinstance(instance, (dict, list)):
        got += f" {_shown(instance)}"
    message = f"must be {wanted}, got {got}"
    if "string" in expected and isinstance(instance, (bool, int, float)):
        message += f' (quote it: "{_shown(instance)}")'
    elif set(expected) & {"number", "integer"} and isinstance(instance, str) and _NUMBER_RE.match(instance):
        message += " (a quoted number is a string; remove the quotes)"
    return message


def _problems(error):
    """(path parts, message) for one jsonschema error; alternatives are expanded."""
    parts = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    scalar = not isinstance(error.instance, (dict, list))
    if "propertyNames" in error.absolute_schema_path:
        parts.append(error.instance)   # the error is about a key: name it

    custom = schema.get("patternErrorMessage") if error.validator == "pattern" else None
    if custom is None:
        custom = schema.get("errorMessage")   # the same text the YAML language server shows
    if custom is not None:
        return [(parts, f"{_shown(error.instance)}: {custom}" if scalar else custom)]

    v = error.validator
    if v == "type":
        return [(parts, _type_message(error.validator_value, error.instance))]
    if v == "additionalProperties" and isinstance(error.instance, dict):
        known = list(schema.get("properties", {}))
        what = "section" if not parts else "key"
        found = []
        for key in error.instance:
            if key in known:
                continue
            message = f"unknown {what} {_shown(key)}"
            close = difflib.get_close_matches(str(key), known, n=1)
            if close:
                message += f" (did you mean '{close[0]}'?)"
            found.append((parts + [key], message))
        return found
    if v == "required":
        missing = [k for k in error.validator_value if isinstance(error.instance, dict) and k not in error.instance]
        return [(parts, "missing required key " + ", ".join(f"'{k}'" for k in missing))]
    if v == "enum":
        if len(error.validator_value) > 12:
            return [(parts, f"{_shown(error.instance)} is not one of the allowed values")]
        return [(parts, f"{_shown(error.instance)} is not one of: " + ", ".join(map(str, error.validator_value)))]
    if v == "format" and error.validator_value == "date":
        return [(parts, f"{_shown(error.instance)} is not a date on the calendar (YYYY-MM-DD)")]
    if v in ("anyOf", "oneOf") and error.context:
        # Report what went wrong inside the alternatives whose type matched.
        mismatched = {c.relative_schema_path[0] for c in error.context
                      if c.validator == "type" and not c.relative_path}
        inner = [c for c in error.context if c.relative_schema_path[0] not in mismatched]
        if inner:
            found = []
            for sub in inner:
                for item in _problems(sub):
                    if item not in found:
                        found.append(item)
            return found
        wanted = []
        for branch in error.validator_value:
            if "enum" in branch:
                wanted.append(" or ".join(_shown(x) for x in branch["enum"]))
            elif "const" in branch:
                wanted.append(_shown(branch["const"]))
            elif "type" in branch:
                types = [branch["type"]] if isinstance(branch["type"], str) else branch["type"]
                wanted.extend(_TYPE_NAMES.get(t, t) for t in types)
        got = _kind(error.instance) + (f" {_shown(error.instance)}" if scalar and error.instance is not None else "")
        return [(parts, f"must be {' or '.join(dict.fromkeys(wanted))}, got {got}")]
    if v == "minProperties" and error.validator_value == 1:
        return [(parts, "must not be empty")]
    message = error.message
    if scalar:
        message = message.replace(repr(error.instance), _shown(error.instance), 1)
    return [(parts, message if len(message) <= 300 else message[:297] + "...")]


def _drop_shadowed(errors):
    """A wrong type makes enum, pattern and format errors at the same place noise; so does a
    pattern error for the date format."""
    typed = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    patterned = {tuple(e.absolute_path) for e in errors if e.validator == "pattern"}
    kept = []
    for e in errors:
        where = tuple(e.absolute_path)
        if e.validator in ("enum", "const", "pattern", "format") and where in typed:
            continue
        if e.validator == "format" and where in patterned:
            continue
        kept.append(e)
    return kept


def _sort_key(item):
    parts, message = item
    return ([(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in parts], message)


def _extra_problems(value, parts, out):
    """What JSON Schema cannot see but chokepoint rejects."""
    if isinstance(value, dict):
        for k, v in value.items():
            _extra_problems(v, parts + [k], out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _extra_problems(v, parts + [i], out)
    elif isinstance(value, float) and not math.isfinite(value):
        shown = ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
        out.append((parts, f"{shown}: numbers must be finite (.inf, .nan and 1e999 are rejected)"))
    elif isinstance(value, NonDecimalInt):
        out.append((parts, f"{value.text}: numbers must be decimal (0x and 0o are rejected)"))


def check_document(validator, document):
    """Returns a sorted list of (path parts, message)."""
    if document is None:
        return [([], "file is empty (it has no sections)")]
    problems = []
    for error in _drop_shadowed(list(validator.iter_errors(document))):
        for item in _problems(error):
            if item not in problems:
                problems.append(item)
    _extra_problems(document, [], problems)
    return sorted(problems, key=_sort_key)


def check_text(validator, text):
    """Every problem of one file's text, as (where, message)."""
    problems = []
    try:
        document, yaml_problems = load_yaml(text)
    except YamlProblem as e:
        return [(f"line {e.mark.line + 1}", f"YAML: {e.message}")]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(root)"
        if isinstance(e, yaml.MarkedYAMLError):
            message = " ".join(x for x in (e.context, e.problem) if x)
        else:
            message = " ".join(str(e).split())
        return [(where, "YAML: " + message)]
    for mark, message in yaml_problems:
        problems.append((f"line {mark.line + 1}", f"YAML: {message}"))
    for parts, message in check_document(validator, document):
        problems.append((_path(parts), message))
    return problems


def modeline_target(path, first_line, wanted):
    """Returns (schema path the modeline names, None) or (None, error message); `wanted` names
    the schema for the message."""
    match = MODELINE_RE.match(first_line)
    if not match:
        return None, f"first line must be the modeline '# yaml-language-server: $schema=<relative path to {wanted}>'"
    target = match.group(1)
    if "://" in target or os.path.isabs(target):
        return None, f"modeline schema path '{target}' must be relative to the data file"
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), target)), None


def check_modeline(path, first_line, schema_path):
    """Returns an error message, or None when the modeline attaches `schema_path`."""
    resolved, error = modeline_target(path, first_line, schema_path)
    if error:
        return error
    target = MODELINE_RE.match(first_line).group(1)
    try:
        same = os.path.samefile(resolved, schema_path)
    except OSError:
        same = False
    if not same:
        return f"modeline schema path '{target}' resolves to '{os.path.relpath(resolved)}', not to the schema '{schema_path}'"
    return None


def yaml_files(path):
    """The *.yaml/*.yml files a path stands for, sorted; hidden entries are skipped."""
    if os.path.isfile(path):
        return [path]
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, f) for f in files
                     if not f.startswith(".") and f.endswith((".yaml", ".yml")))
    return sorted(found)


def schema_from_modeline(path, first_line, schema_dir):
    """The schema a file's modeline names: (path, None) or (None, error message). With
    `schema_dir`, the schema must be a file in that directory."""
    wanted = os.path.join(schema_dir, "<name>.schema.json") if schema_dir else "its schema"
    resolved, error = modeline_target(path, first_line, wanted)
    if error:
        return None, error
    target = MODELINE_RE.match(first_line).group(1)
    if not os.path.isfile(resolved):
        return None, f"modeline schema path '{target}' resolves to '{os.path.relpath(resolved)}', which is not a file"
    if schema_dir:
        try:
            inside = os.path.samefile(os.path.dirname(resolved), schema_dir)
        except OSError:
            inside = False
        if not inside:
            return None, (f"modeline schema path '{target}' resolves to '{os.path.relpath(resolved)}', "
                          f"not to a schema in '{schema_dir}'")
    return resolved, None


class Schemas:
    """Validators by schema path, each schema read and checked once."""

    def __init__(self):
        self._by_path = {}

    def get(self, path):
        """Returns (validator, None) or (None, error message)."""
        key = os.path.realpath(path)
        if key not in self._by_path:
            try:
                with open(path, encoding="utf-8") as f:
                    schema = json.load(f)
                Validator.check_schema(schema)
                self._by_path[key] = (Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER), None)
            except (OSError, ValueError, jsonschema.SchemaError) as e:
                message = e.message if isinstance(e, jsonschema.SchemaError) else str(e)
                self._by_path[key] = (None, f"cannot use the schema '{path}': {message}")
        return self._by_path[key]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Validate chokepoint data files (datasets, scenarios) against their JSON Schemas.",
        usage=("%(prog)s [options] SCHEMA PATH...\n"
               "       %(prog)s [options] SCHEMA_DIR PATH...\n"
               "       %(prog)s [options] --schema-from-modeline PATH..."))
    parser.add_argument("args", nargs="+", metavar="SCHEMA|PATH",
                        help="a schema file (every file is checked against it) or a directory of schemas "
                             "(each file's modeline picks one in it), then YAML files or directories")
    parser.add_argument("--schema-from-modeline", action="store_true",
                        help="no schema argument: each file's modeline names its schema")
    parser.add_argument("--expect-invalid", action="store_true",
                        help="every file must FAIL validation (negative tests), with each '# expect-schema: TEXT' "
                             "it carries among its problems")
    parser.add_argument("--no-modeline", action="store_true",
                        help="do not check the yaml-language-server modeline (fixtures)")
    args = parser.parse_intermixed_args(argv)   # options may stand between the paths

    schemas = Schemas()
    fixed = None          # the one validator, when the schema argument is a file
    schema_dir = None     # the schemas' directory, when the modelines choose
    if args.schema_from_modeline:
        schema_arg, paths = None, args.args
    else:
        schema_arg, paths = args.args[0], args.args[1:]
        if not paths:
            parser.error("give a schema (file or directory) and at least one PATH")
    by_modeline = args.schema_from_modeline or os.path.isdir(schema_arg)
    if by_modeline and args.no_modeline:
        parser.error("--no-modeline needs a schema file: the modelines choose the schemas here")
    if by_modeline:
        schema_dir = schema_arg
    else:
        fixed, error = schemas.get(schema_arg)
        if error:
            print(f"{schema_arg}: {error}", file=sys.stderr)
            return 1

    missing = 0           # paths that are not there or hold no YAML files
    files = []
    for path in paths:
        if not os.path.exists(path):
            print(f"{path}: no such file or directory")
            missing += 1
            continue
        found = yaml_files(path)
        if not found:
            print(f"{path}: no .yaml or .yml files")
            missing += 1
        files.extend(found)

    invalid = []          # files that failed validation
    bad_modeline = []     # files whose first line does not attach the schema
    passed_unexpectedly = []
    wrong_reason = []     # --expect-invalid: rejected, but without an expected problem
    used = {}             # schema path -> files checked against it (modeline mode)
    for path in files:
        problems = []     # (where, message)
        text = None
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8")
        except OSError as e:
            problems.append(("(root)", f"cannot read the file: {e.strerror}"))
        except UnicodeDecodeError as e:
            problems.append(("(root)", f"file is not valid UTF-8 (byte {e.start})"))
        if text is not None:
            if text.startswith("\ufeff"):
                text = text[1:]
            first_line = text.split("\n", 1)[0].rstrip("\r")
            validator = fixed
            if by_modeline:
                schema_path, modeline_error = schema_from_modeline(path, first_line, schema_dir)
                if schema_path:
                    validator, modeline_error = schemas.get(schema_path)
                    shown = os.path.relpath(schema_path)
                    used[shown] = used.get(shown, 0) + 1
            elif not args.no_modeline:
                modeline_error = check_modeline(path, first_line, schema_arg)
            else:
                modeline_error = None
            if modeline_error:
                print(f"{path}: line 1: {modeline_error}")
                bad_modeline.append(path)
            if validator is not None:
                problems.extend(check_text(validator, text))

        for where, message in problems:
            print(f"{path}: {where}: {message}")
        if problems:
            invalid.append(path)
            if args.expect_invalid and text is not None:
                lines = [f"{where}: {message}" for where, message in problems]
                for expected in EXPECT_RE.findall(text):
                    if not any(expected in line for line in lines):
                        print(f"{path}: rejected, but not with the expected problem '{expected}'")
                        wrong_reason.append(path)
        elif args.expect_invalid and (path not in bad_modeline or not by_modeline):
            print(f"{path}: expected to be invalid, but it passed the schema")
            passed_unexpectedly.append(path)

    if by_modeline:
        against = ", ".join(f"{n} against {s}" for s, n in sorted(used.items())) or "no schema"
        summary = f"{len(files)} file{'s' if len(files) != 1 else ''} checked by their modelines ({against}): "
    else:
        summary = f"{len(files)} file{'s' if len(files) != 1 else ''} checked against {schema_arg}: "
    if args.expect_invalid:
        notes = [f"{len(invalid)} rejected as expected"]
        if passed_unexpectedly:
            notes.append(f"{len(passed_unexpectedly)} passed unexpectedly")
        if wrong_reason:
            notes.append(f"{len(set(wrong_reason))} rejected without an expected problem")
    else:
        notes = [f"{len(invalid)} invalid"] if invalid else []
    if bad_modeline:
        notes.append(f"{len(bad_modeline)} without a correct modeline")
    if missing:
        notes.append(f"{missing} path{'s' if missing != 1 else ''} without YAML files")
    failed = bool(passed_unexpectedly or wrong_reason or bad_modeline or missing
                  or (invalid and not args.expect_invalid) or not files)
    print(summary + (", ".join(notes) if notes else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
