"""Each function asset's zipped size, as uploaded: `python -m infra.asset_sizes [cdk.out]`."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path


def function_assets(outdir: Path) -> dict[str, Path]:
    """Handler -> staged asset directory, for every function of every synthesized stack."""
    assets = {}
    for template in sorted(outdir.glob("*.template.json")):
        for resource in json.loads(template.read_text())["Resources"].values():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            properties = resource["Properties"]
            asset_hash = properties["Code"]["S3Key"].removesuffix(".zip")
            assets[properties["Handler"]] = outdir / f"asset.{asset_hash}"
    return assets


def zipped_size(directory: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory))
    return buffer.tell()


def main(outdir: Path) -> None:
    for handler, directory in function_assets(outdir).items():
        print(f"{handler:28} {zipped_size(directory) / 1_000_000:6.2f} MB zipped  {directory.name}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out"))
