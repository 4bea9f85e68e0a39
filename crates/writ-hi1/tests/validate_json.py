"""Validates HI-1 JSON messages against the ETSI JSON schemas.

    python3 validate_json.py REFERENCE_DIR STUB_DIR MESSAGE.json...

REFERENCE_DIR is shared/reference/etsi-ts-103-120; STUB_DIR holds the stand-ins for
the TS 103 280 schemas that are not there. Exits 0 when every message validates, 1
when one does not (the errors on stderr), 3 when the jsonschema package is missing.
"""

import json
import pathlib
import sys

try:
    import jsonschema
    from referencing import Registry, Resource
except ImportError:
    sys.exit(3)


def leaves(error):
    if not error.context:
        return [error]
    return [leaf for child in error.context for leaf in leaves(child)]


def main() -> int:
    reference, stubs, *messages = sys.argv[1:]
    reference = pathlib.Path(reference)
    paths = list((reference / "schema" / "json").glob("*.schema.json"))
    paths += list((reference / "dictionaries").glob("*.schema.json"))
    paths += list(pathlib.Path(stubs).glob("*.schema.json"))
    resources = []
    core = None
    for path in paths:
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
        if schema["$id"] == "ts_103120_Core_2019_10":
            core = schema
    registry = Registry().with_resources(resources)
    validator = jsonschema.Draft202012Validator(core, registry=registry)
    failed = False
    for message in messages:
        errors = sorted(validator.iter_errors(json.loads(pathlib.Path(message).read_text())), key=str)
        for error in errors:
            failed = True
            # A oneOf's message is the whole instance: say what failed at the leaves.
            for leaf in leaves(error)[:12]:
                path = "/".join(map(str, leaf.absolute_path))
                print(f"{message}: {path}: {leaf.message[:300]}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
