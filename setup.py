"""Which packages the distribution holds; everything else is declared in setup.cfg.

The JSON Schemas stay at the top of the repository (schemas/) and ship as the package data
`hub.schemas`, read through importlib.resources. setup.cfg cannot list a package that lives outside
the directory its name implies next to the packages it finds, so the list is built here.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["hub", "hub.*", "adapters", "adapters.*"]),
        "hub.schemas",
    ],
    package_dir={"hub.schemas": "schemas"},
)
