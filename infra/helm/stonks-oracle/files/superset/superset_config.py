"""Superset settings of the Stonks Oracle chart.

Everything deployment-specific comes from the environment the chart gives
the superset pod: the stonks-config ConfigMap (POSTGRES_HOST, POSTGRES_PORT,
POSTGRES_USER, REDIS_HOST, REDIS_PORT), stonks-core-secrets
(POSTGRES_PASSWORD, REDIS_PASSWORD), stonks-dashboard-secrets
(SUPERSET_SECRET_KEY) and the chart's own SUPERSET_DATABASE and
SUPERSET_REDIS_DB.
"""

import os
from urllib.parse import quote


def _env(name, default=""):
    return os.environ.get(name, default)


def _redis_url(db):
    password = _env("REDIS_PASSWORD")
    auth = ":%s@" % quote(password, safe="") if password else ""
    return "redis://%s%s:%s/%s" % (
        auth,
        _env("REDIS_HOST", "127.0.0.1"),
        _env("REDIS_PORT", "6379"),
        db,
    )


SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]

SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://%s:%s@%s:%s/%s" % (
    quote(_env("POSTGRES_USER", "stonks"), safe=""),
    quote(_env("POSTGRES_PASSWORD"), safe=""),
    _env("POSTGRES_HOST", "127.0.0.1"),
    _env("POSTGRES_PORT", "5432"),
    _env("SUPERSET_DATABASE", "superset"),
)

REDIS_URL = _redis_url(_env("SUPERSET_REDIS_DB", "1"))


def _cache(prefix):
    return {
        "CACHE_TYPE": "RedisCache",
        "CACHE_DEFAULT_TIMEOUT": 300,
        "CACHE_KEY_PREFIX": prefix,
        "CACHE_REDIS_URL": REDIS_URL,
    }


CACHE_CONFIG = _cache("superset_")
DATA_CACHE_CONFIG = _cache("superset_data_")
FILTER_STATE_CACHE_CONFIG = _cache("superset_filter_")
EXPLORE_FORM_DATA_CACHE_CONFIG = _cache("superset_explore_")
RATELIMIT_STORAGE_URI = REDIS_URL

# Behind Traefik, which terminates TLS.
ENABLE_PROXY_FIX = True

# Analysts read the lake; nobody uploads files into it through Superset.
FEATURE_FLAGS = {"ENABLE_TEMPLATE_PROCESSING": False}
SQLLAB_TIMEOUT = 300
ROW_LIMIT = 50000
