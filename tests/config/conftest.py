import subprocess
from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs():
    """Language tests read the compiled catalogs; compile the ones that are missing or older than their source.

    `make test` compiles every catalog first; this keeps a bare `pytest tests/config` honest too.
    """
    base = Path(settings.BASE_DIR)
    for po in [
        base / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
        base / "accounts" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
    ]:
        mo = po.with_suffix(".mo")
        if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
