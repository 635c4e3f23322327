"""Where an adapter package's data files are: manifest.json, its native schema, its fixtures."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def package_dir(package: str) -> Path:
    """The directory of `package`'s data files, found through importlib.resources.

    Adapters read their files by path (the manifest names the native schema relative to it), and
    pip unpacks wheels, so the data is a directory on disk; a zipped install is refused by name.
    """
    root = resources.files(package)
    if not isinstance(root, Path) or not root.is_dir():
        raise RuntimeError(f"the data files of {package} are not a directory on disk: {root}")
    return root
