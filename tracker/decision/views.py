from __future__ import annotations

from flask import Blueprint

bp = Blueprint("decision", __name__)
