import re
from pathlib import Path

from django.conf import settings

SOURCE_MAP = re.compile(rb"sourceMappingURL=([^\s*]+)")


def test_every_source_map_a_static_file_names_is_shipped_beside_it():
    # given: the project's static files (vendored libraries included)
    root = Path(settings.BASE_DIR) / "static"
    missing = []
    for path in root.rglob("*"):
        if path.suffix not in {".js", ".css"}:
            continue
        # when: a file names a source map
        for name in SOURCE_MAP.findall(path.read_bytes()):
            # then: the map is there, or collectstatic's manifest storage would fail in production
            if not (path.parent / name.decode()).exists():
                missing.append(f"{path.relative_to(root)} -> {name.decode()}")
    assert missing == []
