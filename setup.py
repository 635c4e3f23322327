"""Which packages the distribution holds; everything else is declared in setup.cfg.

The JSON Schemas stay at the top of the repository (schemas/) and ship as the package data
`hub.schemas`, read through importlib.resources. setup.cfg cannot list a package that lives outside
the directory its name implies next to the packages it finds, so the list is built here.
"""

import warnings

from setuptools import find_packages, setup
from setuptools.warnings import InformationOnly

# setuptools announces every editable install with a notice about folders that could shadow the
# package. It asks nothing of the project and would read as a build warning in `make test`.
warnings.filterwarnings("ignore", message="Editable installation", category=InformationOnly)

setup(
    packages=[
        *find_packages(include=["hub", "hub.*", "adapters", "adapters.*"]),
        "hub.schemas",
    ],
    package_dir={"hub.schemas": "schemas"},
)
