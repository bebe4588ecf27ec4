"""Extensions, created unbound and attached in the app factory."""

from flask_bootstrap import Bootstrap5
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Named constraints so Alembic can alter SQLite tables (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
#: Batch mode (the default here) lets Alembic alter SQLite tables by copy and move.
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
#: Rate limits are declared where they apply (sign-in; the API blueprint, per token); the
#: storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)
#: Reminders by email; the MAIL_* settings name the SMTP server.
mail = Mail()
#: Compresses dynamic responses (pages, JSON, CSV) for clients that accept it.
compress = Compress()
