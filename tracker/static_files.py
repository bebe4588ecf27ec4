"""Static files served by WhiteNoise: versioned names, compressed copies, long caching.

At start-up every file the pages link (the app's static folder, and the few Bootstrap files
Bootstrap-Flask links) is copied into a build folder twice, under its own name and under a
name carrying a hash of its content (``css/app.css`` -> ``css/app.1a2b3c4d5e6f.css``),
each with gzip and Brotli copies beside it (WhiteNoise's compressor). ``url_for`` gives
the hashed name, which WhiteNoise serves as immutable: a browser keeps it for good, since
new content gets a new name. The plain name still answers, cached for ``STATIC_MAX_AGE``.

The build folder is named after a digest of everything in it, so workers starting together
or a restart with the same files reuse one build; a half-written build is never seen (it
is written aside and renamed into place). Files not built (the rest of Bootstrap-Flask's
themes and fonts) are still served by Flask from where they are.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shutil
import tempfile
from dataclasses import dataclass

#: Bootstrap-Flask ships every Bootswatch theme and the icon font; the pages link only
#: these (``bootstrap.load_css()`` and ``bootstrap.load_js()``).
BOOTSTRAP_FILES = ("css/bootstrap.min.css", "js/bootstrap.min.js", "umd/popper.min.js")
#: Source maps are only fetched by a developer's tools; Flask serves them from the source.
SKIPPED_SUFFIXES = (".map", ".gz", ".br")
HASH_LENGTH = 12
#: A versioned URL: the content hash just before the extension.
VERSIONED = re.compile(rf"\.[0-9a-f]{{{HASH_LENGTH}}}\.[A-Za-z0-9]+$")
#: Changes whenever the layout of a build changes, so an old build is never reused.
BUILD_FORMAT = b"tracker-static-1"


@dataclass(frozen=True)
class StaticSource:
    """One static endpoint: the folder its files come from and the files built from it."""

    endpoint: str
    url_prefix: str  #: "/static/"
    folder: str
    files: tuple[str, ...]  #: "/"-separated names under the folder


def versioned_name(name: str, content: bytes) -> str:
    """``css/app.css`` -> ``css/app.<hash>.css``, the hash of the content."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    stem, dot, extension = name.rpartition(".")
    if not dot or "/" in extension:
        return f"{name}.{digest}"
    return f"{stem}.{digest}.{extension}"


def static_sources(app) -> list[StaticSource]:
    """The app's static folder (every file) and Bootstrap-Flask's (the files pages link)."""
    sources = []
    if app.static_folder and os.path.isdir(app.static_folder):
        sources.append(_source(app, "static", app.static_folder, _all_files(app.static_folder)))
    bootstrap = app.blueprints.get("bootstrap")
    if bootstrap is not None and bootstrap.static_folder:
        names = [n for n in BOOTSTRAP_FILES if os.path.isfile(_path(bootstrap.static_folder, n))]
        sources.append(_source(app, "bootstrap.static", bootstrap.static_folder, names))
    return sources


def _source(app, endpoint: str, folder: str, files) -> StaticSource:
    rule = next(app.url_map.iter_rules(endpoint))
    prefix = rule.rule[: rule.rule.index("<")]
    return StaticSource(endpoint, prefix, folder, tuple(sorted(files)))


def _all_files(folder: str) -> list[str]:
    names = []
    for directory, subfolders, files in os.walk(folder):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        for file in files:
            if file.startswith(".") or file.endswith(SKIPPED_SUFFIXES):
                continue
            relative = os.path.relpath(os.path.join(directory, file), folder)
            names.append(relative.replace(os.sep, "/"))
    return names


def _path(folder: str, name: str) -> str:
    return os.path.join(folder, *name.split("/"))


def build(sources: list[StaticSource], cache_dir: str) -> tuple[str, dict[str, dict[str, str]]]:
    """Build (or reuse) the served folder; returns it and each endpoint's versioned names."""
    contents: dict[tuple[str, str], bytes] = {}
    versions: dict[str, dict[str, str]] = {}
    digest = hashlib.sha256(BUILD_FORMAT)
    for source in sources:
        names = versions.setdefault(source.endpoint, {})
        for name in source.files:
            with open(_path(source.folder, name), "rb") as file:
                content = file.read()
            contents[(source.url_prefix, name)] = content
            names[name] = versioned_name(name, content)
            digest.update(f"\0{source.url_prefix}{names[name]}".encode())
    target = os.path.join(cache_dir, digest.hexdigest()[:20])
    if not os.path.isdir(target):
        _write_build(target, cache_dir, sources, contents, versions)
    return target, versions


def _write_build(target, cache_dir, sources, contents, versions) -> None:
    from whitenoise.compress import Compressor

    os.makedirs(cache_dir, exist_ok=True)
    compressor = Compressor(quiet=True)
    aside = tempfile.mkdtemp(prefix=".building-", dir=cache_dir)
    try:
        for source in sources:
            base = os.path.join(aside, *source.url_prefix.strip("/").split("/"))
            for name in source.files:
                plain = _path(base, name)
                versioned = _path(base, versions[source.endpoint][name])
                os.makedirs(os.path.dirname(plain), exist_ok=True)
                for path in (plain, versioned):
                    with open(path, "wb") as file:
                        file.write(contents[(source.url_prefix, name)])
                if compressor.should_compress(plain):
                    for compressed in compressor.compress(plain):
                        shutil.copyfile(compressed, versioned + compressed[len(plain) :])
        try:
            os.rename(aside, target)
        except OSError:
            if not os.path.isdir(target):  # not another worker's build that won the race
                raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def install_static_files(app) -> None:
    """Serve the built static files through WhiteNoise and link their versioned names."""
    from whitenoise import WhiteNoise

    sources = static_sources(app)
    configured = app.config.get("STATIC_CACHE_DIR")
    try:
        root, versions = build(
            sources, configured or os.path.join(app.instance_path, "static-cache")
        )
    except OSError:
        if configured:
            raise
        # An instance folder this user may not write to: a private folder of this process
        # (never a guessable shared one, which another user could fill first).
        app.logger.warning("Static files built in a temporary folder: set STATIC_CACHE_DIR.")
        root, versions = build(sources, tempfile.mkdtemp(prefix="tracker-static-"))

    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=root,
        prefix="/",
        max_age=app.config["STATIC_MAX_AGE"],
        immutable_file_test=lambda path, url: bool(VERSIONED.search(posixpath.basename(url))),
    )

    @app.url_defaults
    def _link_versioned_static_file(endpoint, values):
        names = versions.get(endpoint)
        if names and values.get("filename") in names:
            values["filename"] = names[values["filename"]]
