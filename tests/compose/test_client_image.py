"""The command-line client's image: the `client` target of the one image recipe builds and runs."""

import uuid
from pathlib import Path

from devstack.containers.standins import ensure_images, images_of
from tests.compose.conftest import ROOT, docker

DOCKERFILE = ROOT / "services" / "Dockerfile"
BUILD_TIMEOUT_S = 1800.0  # a cold build downloads every wheel


def test_the_client_target_runs_the_client_as_a_user_with_a_home(tmp_path: Path) -> None:
    report = ensure_images(images_of([], [DOCKERFILE]), ROOT, tmp_path)
    assert not report.unavailable, report.summary()
    image = f"airline-client-test:{uuid.uuid4().hex[:8]}"
    target = ["--target", "client", "--build-arg", "PACKAGE=airline-client"]
    docker("build", "-f", str(DOCKERFILE), *target, "-t", image, str(ROOT), timeout=BUILD_TIMEOUT_S)
    try:
        assert docker("run", "--rm", image, "--help").startswith("usage: client")
        # The client keeps its session under ~/.local/state: the user's home must be writable.
        shell = 'id -un; test -w "$HOME" && echo writable'
        assert docker("run", "--rm", "--entrypoint", "sh", image, "-c", shell).split() == [
            "airline",
            "writable",
        ]
    finally:
        docker("image", "rm", "--force", image)
