"""The app factory honours its config, and several instances coexist in one process."""

from __future__ import annotations

import pytest

from app import create_app
from config import DEFAULT_SECRET_KEY, ConfigError, load_settings
from tests.conftest import upload
from web.extensions import extensions


def test_factory_honours_config(make_app, tmp_path):
    app = make_app(RATE_LIMIT=3, SESSION_TIMEOUT_HOURS=2)
    settings = extensions(app.server).settings
    assert settings.RATE_LIMIT == 3
    assert settings.session_ttl_seconds == 7200
    assert settings.CACHE_DIR.startswith(str(tmp_path))
    assert app.server.config["SECRET_KEY"] == "test-secret-key"


def test_the_factory_sets_one_record_of_its_services(make_app):
    app = make_app()
    ext = extensions(app.server)
    assert ext.dash is app
    assert ext.store.backend == "diskcache" and ext.store.ping()
    assert ext.jobs is not None and ext.celery is None  # no REDIS_URL: local jobs
    assert ext.jobs_dir == ext.jobs.directory
    assert ext.housekeeper is not None
    with app.server.app_context():
        assert extensions() is ext
    assert extensions(make_app().server) is not ext


def test_two_instances_in_one_process_both_serve_callbacks(make_app, sales_csv):
    first, second = make_app(), make_app()
    for app in (first, second):
        client = app.server.test_client()
        created = upload(client, sales_csv)
        assert created.status_code == 201
        layout = client.get("/_dash-dependencies")
        assert layout.status_code == 200
        outputs = {dep["output"] for dep in layout.get_json()}
        assert any("page.children" in out for out in outputs)


def test_production_refuses_default_secret(app_config):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(
            {**app_config, "FLASK_ENV": "production", "SECRET_KEY": DEFAULT_SECRET_KEY}
        )


def test_production_accepts_a_real_secret(app_config):
    app = create_app({**app_config, "FLASK_ENV": "production", "SECRET_KEY": "x" * 40})
    assert app.server.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("env", "field", "expected"),
    [
        ({"FLASK_DEBUG": "true"}, "FLASK_DEBUG", True),
        ({"FLASK_DEBUG": "0"}, "FLASK_DEBUG", False),
        ({"RATE_LIMIT": "25"}, "RATE_LIMIT", 25),
        ({"OLLAMA_TIMEOUT": "2.5"}, "OLLAMA_TIMEOUT", 2.5),
        ({"OLLAMA_MODEL": "mistral"}, "OLLAMA_MODEL", "mistral"),
        ({}, "MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        ({}, "SESSION_TIMEOUT_HOURS", 24.0),
        ({}, "OLLAMA_MAX_RETRIES", 3),
        ({}, "FRAME_CACHE_MB", 256),
        ({"FRAME_CACHE_MB": "0"}, "FRAME_CACHE_MB", 0),
    ],
)
def test_settings_from_environment(env, field, expected):
    assert getattr(load_settings(environ=env), field) == expected


def test_explicit_config_beats_environment():
    settings = load_settings({"RATE_LIMIT": 7}, environ={"RATE_LIMIT": "25"})
    assert settings.RATE_LIMIT == 7


@pytest.mark.parametrize(
    "env",
    [
        {"FLASK_DEBUG": "maybe"},
        {"RATE_LIMIT": "ten"},
        {"RATE_LIMIT": "0"},
        {"SESSION_TIMEOUT_HOURS": "-1"},
        {"FRAME_CACHE_MB": "-5"},
    ],
)
def test_bad_settings_are_refused_with_a_reason(env):
    with pytest.raises(ConfigError) as error:
        load_settings(environ=env)
    assert "\n" not in str(error.value)


def test_the_frame_cache_is_sized_by_the_settings(make_app):
    from services.views import FRAMES

    make_app(FRAME_CACHE_MB=3)
    assert FRAMES.max_bytes == 3 * 2**20
    make_app()
    assert FRAMES.max_bytes == 256 * 2**20


def test_arrow_gives_memory_back_after_large_reads(make_app, monkeypatch):
    import pyarrow as pa

    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    make_app()
    assert pa.default_memory_pool().backend_name == "jemalloc"


def test_a_new_app_serves_every_page_script_before_rendering_a_page(make_app):
    """A gunicorn worker's first request may be for a script of a page another worker
    rendered: the app knows every script path from the start (was a 500 under load)."""
    app = make_app()
    client = app.server.test_client()
    scripts = [
        path
        for path in app.registered_paths["dash"]
        if path.startswith("deps/react") and path.endswith(".min.js")
    ]
    assert scripts, dict(app.registered_paths)
    for path in scripts:
        response = client.get(f"/_dash-component-suites/dash/{path}")
        assert response.status_code == 200, (path, response.status_code)
