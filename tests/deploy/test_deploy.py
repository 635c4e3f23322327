"""deploy/ names what the hub really has: its command, its settings, its probes and its limits.

No Docker engine or Kubernetes cluster runs here, so the files are checked against the code:
every YAML parses, every COMPLAINT_HUB_* variable is a setting hub/settings.py reads (and the
values given parse), every probe path is a route of the app, the image reference is tagged only
through kustomize, nginx's limits are the hub's. Where the real tool is installed (nginx,
kubectl's kustomize, systemd-analyze), it checks the file too.
"""

from __future__ import annotations

import configparser
import inspect
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web, web_protocol

from hub.app import create_app
from hub.cli import build_parser
from hub.settings import _VARIABLES, PREFIX, Settings
from tests.conftest import needs_tool

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
KUSTOMIZATIONS = (KUBERNETES, KUBERNETES / "migrate")
YAML_FILES = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
# Every file that may name a setting or the command.
TEXT_FILES = sorted(
    p
    for p in DEPLOY.rglob("*")
    if p.is_file() and p.suffix not in (".pem",) and ".git" not in p.name
)
SETTING = re.compile(r"\bCOMPLAINT_HUB_[A-Z0-9_]+\b")


def _documents(path: Path) -> list[Any]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def _walk(node: object) -> Iterator[tuple[str, object]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _containers(path: Path) -> list[dict[str, Any]]:
    found = []
    for document in _documents(path):
        for key, value in _walk(document):
            if key in ("containers", "initContainers"):
                found.extend(value)
    return found


def _console_script() -> str:
    (script,) = [
        e for e in metadata.entry_points(group="console_scripts") if e.value == "hub.cli:main"
    ]
    return script.name


def _sub_commands() -> set[str]:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    return set(commands.choices or ())


def _router_paths() -> set[str]:
    app: web.Application = create_app(Settings())
    return {
        r.get_info().get("path", "")
        for r in app.router.resources()
        if any(route.method == "GET" for route in r)
    }


def _size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmM]?)", text)
    assert match, text
    return int(match[1]) * {"": 1, "k": 1024, "m": 1024 * 1024}[match[2].lower()]


def _nginx_directive(name: str) -> list[str]:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    return re.findall(rf"^\s*{name}\s+([^;]+);", conf, flags=re.MULTILINE)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path: Path) -> None:
    assert _documents(path), f"{path} holds no document"


def test_every_setting_named_in_deploy_is_one_the_hub_reads() -> None:
    known = {PREFIX + suffix for suffix in _VARIABLES}
    named = {p.name: set(SETTING.findall(p.read_text(encoding="utf-8"))) for p in TEXT_FILES}
    assert {name: sorted(found - known) for name, found in named.items() if found - known} == {}
    # And the files that set them set plenty (the check would pass vacuously on none).
    assert len(named["configmap.yaml"]) >= 10
    assert len(named["compose.yaml"]) >= 10


def _compose_hub_environment() -> dict[str, str]:
    compose = _documents(DEPLOY / "compose.yaml")[0]
    environment: dict[str, str] = compose["x-hub"]["environment"]
    # Compose interpolation: ${NAME:?message} stands for the operator's value.
    return {
        key: re.sub(r"\$\{POSTGRES_PASSWORD[^}]*\}", "secret", str(value)).replace(
            "${COMPLAINT_HUB_PUBLIC_URL:?set COMPLAINT_HUB_PUBLIC_URL in deploy/.env}",
            "https://hub.example.gov.cn",
        )
        for key, value in environment.items()
    }


def _configmap() -> dict[str, str]:
    (configmap,) = _documents(KUBERNETES / "configmap.yaml")
    data: dict[str, str] = configmap["data"]
    return data


def _unit_environment() -> dict[str, str]:
    unit = (DEPLOY / "systemd" / "complaint-hub.service").read_text(encoding="utf-8")
    pairs = re.findall(r"^Environment=(\w+)=(.*)$", unit, flags=re.MULTILINE)
    return dict(pairs)


def _dockerfile_environment() -> dict[str, str]:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    return dict(re.findall(r"\b(COMPLAINT_HUB_\w+)=(\S+)", dockerfile))


@pytest.mark.parametrize(
    "environment",
    [_compose_hub_environment, _configmap, _unit_environment, _dockerfile_environment],
    ids=["compose", "configmap", "systemd", "Dockerfile"],
)
def test_the_settings_given_are_values_the_hub_accepts(environment: Any) -> None:
    given: Mapping[str, str] = environment()
    assert given
    settings = Settings.from_environ(given)
    if "COMPLAINT_HUB_PORT" in given:
        assert settings.port == int(given["COMPLAINT_HUB_PORT"])


def test_every_command_is_the_real_console_script_and_sub_command() -> None:
    script, commands = _console_script(), _sub_commands()
    assert script == "complaint-hub"
    invocations: list[list[str]] = []
    for path in (KUBERNETES / "deployment.yaml", KUBERNETES / "migrate" / "job.yaml"):
        invocations += [c["args"] for c in _containers(path)]
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    (cmd,) = re.findall(r"^CMD (\[.*\])$", dockerfile, flags=re.MULTILINE)
    invocations.append(yaml.safe_load(cmd))
    unit = (DEPLOY / "systemd" / "complaint-hub.service").read_text(encoding="utf-8")
    (exec_start,) = re.findall(r"^ExecStart=(.*)$", unit, flags=re.MULTILINE)
    program, *rest = exec_start.split()
    invocations.append([Path(program).name, *rest])
    assert len(invocations) == 4
    for invocation in invocations:
        assert invocation[0] == script, invocation
        assert invocation[1] in commands, invocation
    assert {i[1] for i in invocations} == {"serve", "migrate"}


def test_each_pod_runs_as_many_workers_as_its_cpu_request() -> None:
    """`serve` starts one worker per core it sees, and a container sees the node's cores, not its
    request: a pod must name its worker count, or a 64-core node starts 64 workers (and their
    pools' connections) inside one pod's memory limit. Pods are scaled by the HPA instead."""
    (hub,) = _containers(KUBERNETES / "deployment.yaml")
    args = hub["args"]
    assert "--workers" in args, args
    workers = int(args[args.index("--workers") + 1])
    cpu = str(hub["resources"]["requests"]["cpu"])
    cores = int(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu)
    assert workers == max(1, round(cores)), (workers, cpu)


def _probe_paths() -> dict[str, str]:
    paths: dict[str, str] = {}
    for container in _containers(KUBERNETES / "deployment.yaml"):
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            paths[f"deployment {probe}"] = container[probe]["httpGet"]["path"]
    url = re.compile(r"https?://127\.0\.0\.1(?::\{port\}|:\d+)?(/[\w/.-]*)")
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    (healthcheck,) = re.findall(r"^HEALTHCHECK .*?CMD (.*)$", dockerfile, re.MULTILINE | re.DOTALL)
    paths["Dockerfile HEALTHCHECK"] = url.findall(healthcheck)[0]
    compose = _documents(DEPLOY / "compose.yaml")[0]
    paths["compose hub"] = url.findall(" ".join(compose["x-hub"]["healthcheck"]["test"]))[0]
    paths["compose nginx"] = url.findall(
        " ".join(compose["services"]["nginx"]["healthcheck"]["test"])
    )[0]
    return paths


def test_every_probe_path_is_a_route_of_the_app() -> None:
    paths, routes = _probe_paths(), _router_paths()
    assert len(paths) == 6
    assert {where: path for where, path in paths.items() if path not in routes} == {}
    # Liveness never asks for the database; readiness does.
    assert paths["deployment livenessProbe"] == "/healthz"
    assert paths["deployment readinessProbe"] == "/readyz"


def _kustomization(directory: Path) -> dict[str, Any]:
    (document,) = _documents(directory / "kustomization.yaml")
    return dict(document)


def test_kustomize_images_cover_every_image_reference_and_tag_them_alone() -> None:
    images_by_dir = {d: _kustomization(d)["images"] for d in KUSTOMIZATIONS}
    first, *others = images_by_dir.values()
    # The app and its migration Job are one release.
    assert all(images == first for images in others)
    names = {image["name"] for image in first}
    references = []
    for directory in KUSTOMIZATIONS:
        for resource in _kustomization(directory)["resources"]:
            references += [c["image"] for c in _containers(directory / resource)]
    assert len(references) >= 2
    for reference in references:
        # No tag or digest in the manifest: kustomize's images: sets it, in one place.
        assert reference in names, reference


def test_every_manifest_is_a_resource_of_a_kustomization_or_an_example() -> None:
    listed = {
        (directory / resource).resolve()
        for directory in KUSTOMIZATIONS
        for resource in _kustomization(directory)["resources"]
    }
    manifests = {
        p.resolve()
        for p in KUBERNETES.rglob("*.yaml")
        if p.name != "kustomization.yaml" and ".example." not in p.name
    }
    assert manifests - listed == set()
    kinds = {document["kind"] for path in listed for document in _documents(path)}
    expected = {"Deployment", "Service", "ConfigMap", "PodDisruptionBudget"}
    assert expected | {"HorizontalPodAutoscaler", "Job"} <= kinds


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=lambda d: d.name)
def test_kustomize_renders_every_image_with_the_release_tag(directory: Path) -> None:
    rendered = subprocess.run(
        [needs_tool("kubectl"), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (image,) = _kustomization(directory)["images"]
    images = re.findall(r"^\s*image: (\S+)$", rendered, flags=re.MULTILINE)
    assert images
    assert set(images) == {f"{image['name']}:{image['newTag']}"}


def test_nginx_body_limit_is_the_hubs() -> None:
    hub_limit = Settings().max_body_bytes
    (body_limit,) = _nginx_directive("client_max_body_size")
    assert _size(body_limit) == hub_limit
    # The problem document nginx answers with names the same figure.
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert re.findall(r'"max_bytes":(\d+)', conf) == [str(hub_limit)]
    assert f"limit of {hub_limit} bytes" in conf
    # And the hubs behind it are configured with it.
    assert int(_configmap()["COMPLAINT_HUB_MAX_BODY_BYTES"]) == hub_limit
    assert int(_compose_hub_environment()["COMPLAINT_HUB_MAX_BODY_BYTES"]) == hub_limit


def test_nginx_header_limits_are_the_hubs() -> None:
    # The hub serves with aiohttp's request parser limits (hub/http/server.py sets none).
    parameters = inspect.signature(web_protocol.RequestHandler.__init__).parameters
    line_limit = parameters["max_line_size"].default
    field_limit = parameters["max_field_size"].default
    (buffers,) = _nginx_directive("large_client_header_buffers")
    _, size = buffers.split()
    # nginx's buffer holds the line with its CRLF; aiohttp counts the line alone.
    assert line_limit == field_limit <= _size(size) <= field_limit + 4


def test_the_dockerfile_builds_a_wheel_and_installs_it_as_a_non_root_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?$", dockerfile, flags=re.MULTILINE)
    assert len(stages) == 2
    assert "pip wheel" in dockerfile
    assert re.search(r"^COPY --from=build /dist/", dockerfile, flags=re.MULTILINE)
    assert re.search(r"pip install /tmp/dist/\*\.whl", dockerfile)
    assert " -e " not in dockerfile
    (user,) = re.findall(r"^USER (\S+)$", dockerfile, flags=re.MULTILINE)
    assert not user.startswith(("root", "0:", "0")), user
    assert "HEALTHCHECK" in dockerfile


def test_dockerignore_lets_in_exactly_what_the_build_copies() -> None:
    ignore = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # Deny everything, then allow the sources: var/, .venv/, .git/, keys/ and every other
    # artefact stay out without having to be listed.
    assert ignore[0] == "*"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    copied = set()
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.MULTILINE):
        copied |= set(sources.split())
    assert allowed == copied
    assert {"**/*.pem", "**/__pycache__"} <= set(ignore)
    for kept_out in ("var", ".venv", ".git", "keys", "tests", "bench", "deploy"):
        assert kept_out not in allowed


def test_dev_cert_script_makes_a_certificate_for_localhost(tmp_path: Path) -> None:
    subprocess.run(
        ["sh", str(DEPLOY / "dev-cert.sh"), "localhost", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    text = subprocess.run(
        ["openssl", "x509", "-in", str(tmp_path / "fullchain.pem"), "-noout", "-text"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "DNS:localhost" in text
    assert "IP Address:127.0.0.1" in text
    assert oct((tmp_path / "privkey.pem").stat().st_mode & 0o777) == "0o600"


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    """`nginx -t` on the site, with what only exists in the compose network swapped for local.

    The upstream names (hub-a, hub-b) resolve only inside compose, so they become 127.0.0.1;
    the certificate is one the development script makes; paths move into tmp_path. On an nginx
    older than 1.25.1, `http2 on;` is not known yet and becomes `listen ... http2`.
    """
    subprocess.run(["sh", str(DEPLOY / "dev-cert.sh"), "localhost", str(tmp_path)], check=True)
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    site = re.sub(r"server hub-[ab]:", "server 127.0.0.1:", site)
    site = site.replace("/etc/nginx/tls/", f"{tmp_path}/")
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    nginx = needs_tool("nginx")
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    major_minor_patch = tuple(int(n) for n in re.findall(r"nginx/(\d+)\.(\d+)\.(\d+)", version)[0])
    if major_minor_patch < (1, 25, 1):
        site = site.replace("    http2 on;\n", "")
        site = site.replace(
            "listen 443 ssl default_server;", "listen 443 ssl http2 default_server;"
        )
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\n  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr, result.stderr


def test_the_systemd_unit_parses(tmp_path: Path) -> None:
    analyze = needs_tool("systemd-analyze")
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "systemd" / "complaint-hub.service", encoding="utf-8")
    assert unit["Service"]["ExecStart"].endswith("/complaint-hub serve")
    # verify checks the program exists: point it at a stand-in, the rest is the unit as shipped.
    program = tmp_path / "complaint-hub"
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    text = (DEPLOY / "systemd" / "complaint-hub.service").read_text(encoding="utf-8")
    text = text.replace("/opt/complaint-hub/venv/bin/complaint-hub", str(program))
    copy = tmp_path / "complaint-hub.service"
    copy.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    problems = [line for line in result.stderr.splitlines() if str(copy) in line]
    assert problems == [], result.stderr
