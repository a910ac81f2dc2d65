#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""validate-schema.py - check an SBOM against the vendored JSON schemas, offline.

usage: validate-schema.py cyclonedx|spdx FILE

Schemas come from tests/data/schemas/ (see PROVENANCE.md there). Every $ref is
resolved to those local files by $id; any other reference is an error, never a
network fetch. Exit status: 0 valid, 1 invalid, 2 usage or setup error,
77 when python3-jsonschema is not installed (the unit test's skip code).
"""
import json
import os
import sys

try:
    import jsonschema
    from jsonschema import validators
except ImportError:
    print("validate-schema: python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "schemas")

# kind -> (document schema, schemas it references)
KINDS = {
    "cyclonedx": ("bom-1.5.schema.json", ["spdx.schema.json", "jsf-0.82.schema.json"]),
    "spdx": ("spdx-2.3.schema.json", []),
}

MAX_ERRORS = 20


def load(name):
    with open(os.path.join(SCHEMA_DIR, name), encoding="utf-8") as f:
        return json.load(f)


def make_validator(root, others):
    """A validator for root whose $refs can only reach the local schemas."""
    cls = validators.validator_for(root)
    try:
        import referencing
        import referencing.jsonschema
    except ImportError:
        referencing = None
    if referencing is not None:
        # A registry with no retrieve function cannot fetch: unknown refs fail.
        spec = referencing.jsonschema.specification_with(
            root.get("$schema", "http://json-schema.org/draft-07/schema#"))
        resources = [(s["$id"], referencing.Resource.from_contents(s, default_specification=spec))
                     for s in [root] + others]
        registry = referencing.Registry().with_resources(resources)
        return cls(root, registry=registry, format_checker=cls.FORMAT_CHECKER)

    # jsonschema < 4.18: RefResolver with a store and handlers that refuse to fetch.
    def refuse(uri):
        raise jsonschema.exceptions.RefResolutionError("not fetching " + uri + " (offline)")

    store = {s["$id"]: s for s in [root] + others}
    resolver = jsonschema.RefResolver(root["$id"], root, store=store,
                                      handlers={"http": refuse, "https": refuse})
    return cls(root, resolver=resolver, format_checker=cls.FORMAT_CHECKER)


def main(argv):
    if len(argv) != 3 or argv[1] not in KINDS:
        print("usage: validate-schema.py cyclonedx|spdx FILE", file=sys.stderr)
        return 2
    root_name, other_names = KINDS[argv[1]]
    try:
        root = load(root_name)
        others = [load(n) for n in other_names]
        with open(argv[2], encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print("validate-schema: %s" % e, file=sys.stderr)
        return 2
    validator = make_validator(root, others)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    for e in errors[:MAX_ERRORS]:
        where = "/".join(str(p) for p in e.absolute_path) or "(document)"
        print("%s: %s: %s" % (argv[2], where, e.message[:300]))
    if errors:
        print("%s: %d schema error(s) against %s" % (argv[2], len(errors), root_name))
        return 1
    print("%s: valid against %s" % (argv[2], root_name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
