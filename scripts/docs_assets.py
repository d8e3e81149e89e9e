"""Refresh the Swagger UI and ReDoc files fastcore ships, from their npm packages.

``make docs-assets`` runs this. It packs the pinned versions with ``npm pack`` (the npm
registry's own tarballs, checked by npm against their published integrity), copies the few
files the docs pages load plus each package's licence into ``fastcore/openapi/static/``, and
writes ``versions.json`` there: package, version, npm integrity and the sha256 of every file
copied. ``tests/openapi/test_docs_assets.py`` checks the shipped files against that record.

Pass other versions to move the pin: ``make docs-assets SWAGGER_UI=5.36.0 REDOC=2.5.5``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "fastcore" / "openapi" / "static"

#: The pinned versions (FastAPI's pages load swagger-ui-dist@5 and redoc@2 from a CDN).
SWAGGER_UI = "5.35.0"
REDOC = "2.5.4"

#: package -> (file in the npm tarball's ``package/`` folder -> name under static/).
FILES: dict[str, dict[str, str]] = {
    "swagger-ui-dist": {
        "swagger-ui-bundle.js": "swagger-ui-bundle.js",
        "swagger-ui-bundle.js.LICENSE.txt": "swagger-ui-bundle.js.LICENSE.txt",
        "swagger-ui.css": "swagger-ui.css",
        "favicon-32x32.png": "favicon-32x32.png",
        "LICENSE": "licenses/swagger-ui-dist.LICENSE",
        "NOTICE": "licenses/swagger-ui-dist.NOTICE",
    },
    "redoc": {
        "bundles/redoc.standalone.js": "redoc.standalone.js",
        "bundles/redoc.standalone.js.LICENSE.txt": "redoc.standalone.js.LICENSE.txt",
        "LICENSE": "licenses/redoc.LICENSE",
    },
}


def _pack(package: str, version: str, work: Path) -> tuple[Path, str]:
    """``npm pack package@version`` into ``work``: the unpacked folder and npm's integrity."""
    done = subprocess.run(
        ["npm", "pack", "--json", f"{package}@{version}"],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(done.stdout)[0]
    target = work / package
    with tarfile.open(work / info["filename"]) as tar:
        tar.extractall(target, filter="data")
    return target / "package", str(info["integrity"])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refresh(versions: dict[str, str]) -> dict[str, object]:
    """Replace static/ with the files of ``versions``; returns what versions.json records."""
    record: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if STATIC.exists():
            shutil.rmtree(STATIC)
        (STATIC / "licenses").mkdir(parents=True)
        for package, version in versions.items():
            folder, integrity = _pack(package, version, work)
            files = {}
            for source, name in FILES[package].items():
                # NOTE: copied byte for byte; the source maps are left out (several MB), so a
                # browser's devtools, and only they, get a 404 for the *.map files.
                shutil.copyfile(folder / source, STATIC / name)
                files[name] = _sha256(STATIC / name)
            record[package] = {"version": version, "integrity": integrity, "files": files}
    (STATIC / "versions.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swagger-ui", default=SWAGGER_UI, help="swagger-ui-dist version")
    parser.add_argument("--redoc", default=REDOC, help="redoc version")
    args = parser.parse_args()
    record = refresh({"swagger-ui-dist": args.swagger_ui, "redoc": args.redoc})
    for package, info in record.items():
        assert isinstance(info, dict)
        print(f"{package}@{info['version']}: {len(info['files'])} files in {STATIC}")


if __name__ == "__main__":
    main()
