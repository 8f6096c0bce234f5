# Language-dependent tests here read the compiled catalogs too.
from tests.config.conftest import _compiled_catalogs  # noqa: F401
