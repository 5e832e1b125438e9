import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Generated notices and uploaded templates go to a per-test directory, not the shared one."""
    settings.MEDIA_ROOT = tmp_path / "files"
