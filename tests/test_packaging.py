"""The install prints no deprecation warning (issue 16): the build-system and license forms setuptools wants."""
from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))


def test_build_needs_no_wheel_package_and_a_setuptools_with_spdx_licenses():
    requires = PYPROJECT["build-system"]["requires"]
    # setuptools >= 70.1 builds wheels itself; the separate `wheel` package's WheelFile shim warned on install
    assert not [r for r in requires if r.split(">")[0].split("=")[0].strip() == "wheel"], requires
    setuptools = [r for r in requires if r.startswith("setuptools")]
    assert setuptools and tuple(int(x) for x in setuptools[0].split(">=")[1].split(".")) >= (77,), setuptools


def test_license_is_an_spdx_string():
    # a TOML table ({text = "MIT"}) is deprecated since setuptools 77 and warned on every build
    assert isinstance(PYPROJECT["project"]["license"], str)
