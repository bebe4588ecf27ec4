"""The static build: versioned names from the content, compressed copies, reuse."""

from __future__ import annotations

import gzip
import os

from tracker.static_files import VERSIONED, StaticSource, build, versioned_name

CSS = b"body { padding-bottom: 3rem; }\n" * 50


def source(folder, files) -> StaticSource:
    return StaticSource("static", "/static/", str(folder), tuple(sorted(files)))


def write(folder, name, content: bytes) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def test_a_versioned_name_carries_a_hash_of_the_content():
    first = versioned_name("css/app.css", b"a")
    assert first.startswith("css/app.") and first.endswith(".css")
    assert VERSIONED.search(first)
    assert versioned_name("css/app.css", b"a") == first
    assert versioned_name("css/app.css", b"b") != first
    assert not VERSIONED.search("css/app.css")
    assert VERSIONED.search(versioned_name("LICENSE", b"a")) is None  # no extension to keep


def test_build_writes_plain_and_versioned_names_with_compressed_copies(tmp_path):
    folder = tmp_path / "src"
    write(folder, "css/app.css", CSS)
    write(folder, "img/logo.png", b"\x89PNG not worth compressing" * 20)
    root, versions = build([source(folder, ["css/app.css", "img/logo.png"])], tmp_path / "cache")

    css = versions["static"]["css/app.css"]
    assert css != "css/app.css"
    for name in ("css/app.css", css):
        path = os.path.join(root, "static", name)
        with open(path, "rb") as file:
            assert file.read() == CSS
        with open(path + ".gz", "rb") as file:
            assert gzip.decompress(file.read()) == CSS
        assert os.path.exists(path + ".br")
    png = os.path.join(root, "static", versions["static"]["img/logo.png"])
    assert os.path.exists(png) and not os.path.exists(png + ".gz")


def test_changed_content_gets_a_new_name_and_a_new_build(tmp_path):
    folder = tmp_path / "src"
    write(folder, "css/app.css", CSS)
    first_root, first = build([source(folder, ["css/app.css"])], tmp_path / "cache")
    write(folder, "css/app.css", CSS + b".new { color: red; }\n")
    second_root, second = build([source(folder, ["css/app.css"])], tmp_path / "cache")
    assert second["static"]["css/app.css"] != first["static"]["css/app.css"]
    assert second_root != first_root
    # The old build stays for workers still linking the old name.
    assert os.path.exists(os.path.join(first_root, "static", first["static"]["css/app.css"]))


def test_an_unchanged_build_is_reused_not_rewritten(tmp_path):
    folder = tmp_path / "src"
    write(folder, "css/app.css", CSS)
    root, _ = build([source(folder, ["css/app.css"])], tmp_path / "cache")
    marker = os.path.join(root, "kept")
    open(marker, "w").close()
    again, _ = build([source(folder, ["css/app.css"])], tmp_path / "cache")
    assert again == root and os.path.exists(marker)
    # Nothing half-written is left beside the builds.
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [os.path.basename(root)]
