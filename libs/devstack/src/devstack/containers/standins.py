"""Images for the compose stack: present, pulled, or built here as stand-ins.

Each image the compose files and Dockerfiles name is used as it is when the engine has it or
can pull it. Only when neither works (no registry reachable, as on this project's machines) is
a stand-in built under the same name from what the reachable registries offer: Debian's
packages, PyPI, npm. compose/standins/README.md says what each stand-in is and how it differs.
"""

import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import StackError
from ..paths import find_binary
from .engine import apt_install, run

logger = logging.getLogger(__name__)

STANDIN_LABEL = "org.durable-airline.standin"
# The system CA bundle, which containers need to trust to reach PyPI and npm from here.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
PULL_TIMEOUT_S = 300.0


@dataclass
class ImageReport:
    """What was done for each image, with the seconds each stand-in build took."""

    present: list[str] = field(default_factory=list)
    pulled: list[str] = field(default_factory=list)
    built: dict[str, float] = field(default_factory=dict)
    unavailable: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line per image, for the log."""
        lines = [f"  {name}: present" for name in self.present]
        lines += [f"  {name}: pulled" for name in self.pulled]
        lines += [f"  {name}: stand-in built in {s:.0f}s" for name, s in self.built.items()]
        lines += [f"  {name}: not available here" for name in self.unavailable]
        return "\n".join(lines)


def images_of(compose_files: Iterable[Path], dockerfiles: Iterable[Path]) -> list[str]:
    """The images the compose files run and the Dockerfiles build from, bases first."""
    bases: list[str] = []
    for dockerfile in dockerfiles:
        text = dockerfile.read_text()
        stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", text, re.MULTILINE | re.IGNORECASE))
        for ref in re.findall(r"^FROM\s+(\S+)|--from=(\S+)", text, re.MULTILINE):
            image = ref[0] or ref[1]
            if image not in stages and image not in bases and image != "scratch":
                bases.append(image)
    images = list(bases)
    # Later files override earlier ones, as in compose: an `image` next to a `build` of another
    # file names what is built, it is not pulled.
    services: dict[str, dict[str, object]] = {}
    for path in compose_files:
        document = yaml.safe_load(path.read_text()) or {}
        for name, service in (document.get("services") or {}).items():
            services.setdefault(name, {}).update(service)
    for service in services.values():
        image = service.get("image")
        if isinstance(image, str) and "build" not in service and image not in images:
            images.append(image)
    return images


def image_exists(image: str) -> bool:
    """Whether the engine has this image locally."""
    done = subprocess.run(
        ["docker", "image", "inspect", image], capture_output=True, timeout=60, check=False
    )
    return done.returncode == 0


def try_pull(image: str) -> bool:
    """Pull the image; False when no registry answers (this machine), without waiting long."""
    try:
        done = subprocess.run(
            ["docker", "pull", "-q", image],
            capture_output=True,
            text=True,
            timeout=PULL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    if done.returncode != 0:
        logger.info("cannot pull %s: %s", image, done.stderr.strip().splitlines()[-1:])
    return done.returncode == 0


def ensure_images(images: Iterable[str], root: Path, work_dir: Path) -> ImageReport:
    """Make every image available: present, pulled, or a stand-in built; report which."""
    report = ImageReport()
    for image in images:
        if image_exists(image):
            report.present.append(image)
            continue
        if try_pull(image):
            report.pulled.append(image)
            continue
        builder = standin_for(image)
        if builder is None:
            report.unavailable.append(image)
            continue
        logger.info("building a stand-in for %s", image)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=work_dir, prefix="standin-") as scratch:
            builder(image, root, Path(scratch))
        report.built[image] = time.monotonic() - started
    return report


Builder = Callable[[str, Path, Path], None]


def standin_for(image: str) -> Builder | None:
    """The stand-in builder for an image name, or None (Grafana has none: nothing ships it)."""
    repository = image.rsplit(":", 1)[0]
    return {
        "python": build_python,
        "ghcr.io/astral-sh/uv": build_uv,
        "docker.restate.dev/restatedev/restate": build_restate,
        "haproxy": build_from_kit("haproxy"),
        "prom/prometheus": build_from_kit("prometheus"),
        "jaegertracing/jaeger": build_from_kit("jaeger"),
    }.get(repository)


def _tag(image: str) -> str:
    return image.rsplit(":", 1)[1] if ":" in image else "latest"


def _docker_build(image: str, context: Path) -> None:
    argv = ["docker", "build", "-q", "--label", f"{STANDIN_LABEL}=true", "-t", image]
    run([*argv, str(context)], timeout=1200)


def build_from_kit(folder: str) -> Builder:
    """A stand-in built from compose/standins/<folder>/Dockerfile (FROM the python stand-in)."""

    def build(image: str, root: Path, scratch: Path) -> None:
        if folder == "haproxy" and not _tag(image).startswith("2.6"):
            raise StackError(f"the HAProxy stand-in is Debian's 2.6; {image} asks for another")
        _docker_build(image, root / "compose" / "standins" / folder)

    return build


def _apt_mirror() -> str:
    """The Debian mirror this machine's apt uses."""
    sources = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for path in sources:
        if path.is_file():
            found = re.search(r"^(?:URIs:\s*|deb\s+)(\S+/debian)\s*$", path.read_text(), re.M)
            if found:
                return found[1]
    return DEFAULT_MIRROR


def build_python(image: str, root: Path, scratch: Path) -> None:
    """python:3.11-slim: a Debian bookworm minbase with python3 (3.11), the CA bundle, TLS env."""
    if not _tag(image).startswith("3.11"):
        raise StackError(f"the python stand-in is Debian bookworm's 3.11; {image} asks for another")
    if shutil.which("debootstrap") is None:
        apt_install(("debootstrap",))
    rootfs = scratch / "rootfs"
    include = "python3,python3-venv,ca-certificates,curl"
    argv = ["debootstrap", "--variant=minbase", f"--include={include}", "bookworm"]
    run([*argv, str(rootfs), _apt_mirror()], timeout=1200)
    # apt inside the image uses what this machine's apt uses (mirror, updates, security).
    (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
    for source in [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]:
        if source.is_file():
            shutil.copy(source, rootfs / "etc/apt" / source.relative_to("/etc/apt"))
    shutil.copy(CA_BUNDLE, rootfs / CA_BUNDLE.relative_to("/"))
    (rootfs / "usr/bin/python").symlink_to("python3")
    for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man"):
        for child in (rootfs / junk).glob("*"):
            if child.name == "partial":
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    changes = [
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8",
        f"ENV SSL_CERT_FILE={CA_BUNDLE}",
        f"ENV PIP_CERT={CA_BUNDLE}",
        f"ENV REQUESTS_CA_BUNDLE={CA_BUNDLE}",
        "ENV UV_NATIVE_TLS=1",
        f"LABEL {STANDIN_LABEL}=true",
        'CMD ["python3"]',
    ]
    _import_tree(rootfs, image, changes)


def _import_tree(tree: Path, image: str, changes: list[str]) -> None:
    """`tar -C tree . | docker import` with the given Dockerfile-style changes."""
    argv = ["docker", "import", *[arg for c in changes for arg in ("--change", c)], "-", image]
    tar = subprocess.Popen(["tar", "-C", str(tree), "-c", "."], stdout=subprocess.PIPE)
    try:
        done = subprocess.run(argv, stdin=tar.stdout, capture_output=True, text=True, timeout=900)
    finally:
        if tar.stdout is not None:
            tar.stdout.close()
        tar.wait(timeout=60)
    if done.returncode != 0 or tar.returncode != 0:
        raise StackError(f"docker import {image} failed: {done.stderr.strip()}")


def build_uv(image: str, root: Path, scratch: Path) -> None:
    """ghcr.io/astral-sh/uv:X: /uv and /uvx from the uv X wheel on PyPI, in an empty image."""
    version = _tag(image)
    uv = os.environ.get("UV") or shutil.which("uv")  # `uv run` sets UV to itself
    if uv is None:
        raise StackError("uv is needed to fetch the uv wheel (make setup installs it)")
    wheel = scratch / "wheel"
    run([uv, "pip", "install", "--quiet", "--no-deps", "--target", str(wheel), f"uv=={version}"])
    context = scratch / "context"
    context.mkdir()
    for name in ("uv", "uvx"):
        shutil.copy(wheel / "bin" / name, context / name)
    shutil.copy(root / "compose/standins/uv/Dockerfile", context / "Dockerfile")
    _docker_build(image, context)


def build_restate(image: str, root: Path, scratch: Path) -> None:
    """The restate image: the npm restate-server binary of the same version, with curl."""
    version = _tag(image)
    binary = _npm_restate_server(version, root, scratch)
    context = scratch / "context"
    context.mkdir()
    shutil.copy(binary, context / "restate-server")
    shutil.copy(root / "compose/standins/restate/Dockerfile", context / "Dockerfile")
    _docker_build(image, context)


def _npm_restate_server(version: str, root: Path, scratch: Path) -> Path:
    """The binary from node_modules when it is that version, else from `npm pack`."""
    try:
        installed = find_binary(root)
        package = installed.parent.parent / "package.json"
        if f'"version": "{version}"' in package.read_text():
            return installed
    except StackError:
        pass
    spec = f"@restatedev/restate-server-linux-x64@{version}"
    run(["npm", "pack", "--silent", "--pack-destination", str(scratch), spec], timeout=600)
    tarball = next(scratch.glob("*.tgz"))
    with tarfile.open(tarball) as archive:
        archive.extractall(scratch, filter="data")
    return scratch / "package" / "bin" / "restate-server"
