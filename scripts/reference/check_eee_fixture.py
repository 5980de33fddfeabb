#!/usr/bin/env python3
"""Checks that the Every Eval Ever fixture of the importer validates against the real schema.

The fixture (server/import/tests/fixtures/eee/instances.jsonl) is hand-written, because no real
instance-level file was available; this keeps it honest. Every line is validated against
`instance_level_eval.schema.json` (schema 0.3.0, draft-07). Exits 0 when all lines validate, 1
when one does not; when the schema file is absent it says so and exits 0.

Run from the repository root (needs `jsonschema`, e.g. `pip install jsonschema==4.26.0`):
    python3 scripts/reference/check_eee_fixture.py [SCHEMA] [FIXTURE]
SCHEMA defaults to $PODIUM_SHARED_DATA/formats/eee_schema/instance_level_eval.schema.json.
"""

import json
import os
import sys
from pathlib import Path

DEFAULT_FIXTURE = Path("server/import/tests/fixtures/eee/instances.jsonl")


def main() -> int:
    data = os.environ.get("PODIUM_SHARED_DATA")
    if len(sys.argv) > 1:
        schema_path = Path(sys.argv[1])
    elif data:
        schema_path = Path(data) / "formats/eee_schema/instance_level_eval.schema.json"
    else:
        print("skipped: no schema path given and PODIUM_SHARED_DATA is not set")
        return 0
    fixture = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_FIXTURE
    if not schema_path.is_file():
        print(f"skipped: no schema at {schema_path}")
        return 0
    import jsonschema

    schema = json.loads(schema_path.read_text())
    validator = jsonschema.Draft7Validator(schema)
    bad = 0
    lines = 0
    for number, text in enumerate(fixture.read_text().splitlines(), start=1):
        if not text.strip():
            continue
        lines += 1
        for error in validator.iter_errors(json.loads(text)):
            bad += 1
            where = "/".join(str(p) for p in error.absolute_path) or "(line)"
            print(f"{fixture}:{number}: {where}: {error.message}")
    version = schema.get("version", "?")
    print(f"{lines} line(s) of {fixture} checked against schema {version}: {bad} error(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
