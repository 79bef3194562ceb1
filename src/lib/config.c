#include "lib/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/num.h"
#include "lib/token.h"
#include "lib/url.h"
#include "lib/xalloc.h"

typedef enum setting_kind {
    SET_STR,
    SET_INT,
    SET_ENUM,
    SET_DATE,
    SET_MONEY, /* positive dollars, at most 2 decimals, below a trillion */
    SET_TOKENS, /* comma-separated bearer tokens, 16+ characters */
    SET_CLOCK, /* a time of day, HH:MM from 00:00 to 23:59 */
} setting_kind;

typedef struct setting {
    const char *name;
    setting_kind kind;
    const char *def;
    size_t offset;
    long min, max; /* SET_INT */
    const char *choices; /* SET_ENUM: '|'-separated */
    const char *help;
} setting;

#define OFF(f) offsetof(config, f)

static const setting config_table[] = {
    {"STONKS_ENV", SET_ENUM, "development", OFF(env), 0, 0,
     "development|production", "production refuses default passwords"},
    {"LOG_LEVEL", SET_ENUM, "info", OFF(log_level), 0, 0,
     "debug|info|warn|error|off", "minimum level of JSON log lines"},
    {"POSTGRES_HOST", SET_STR, "127.0.0.1", OFF(pg_host), 0, 0, NULL,
     "PostgreSQL host"},
    {"POSTGRES_PORT", SET_INT, "5432", OFF(pg_port), 1, 65535, NULL,
     "PostgreSQL port"},
    {"POSTGRES_DB", SET_STR, "stonks", OFF(pg_db), 0, 0, NULL, "database name"},
    {"POSTGRES_USER", SET_STR, "stonks", OFF(pg_user), 0, 0, NULL,
     "database user"},
    {"POSTGRES_PASSWORD", SET_STR, "", OFF(pg_password), 0, 0, NULL,
     "database password (secret)"},
    {"POSTGRES_CONNECT_TIMEOUT", SET_INT, "5", OFF(pg_connect_timeout_s), 1,
     300, NULL, "seconds to wait for a connection"},
    {"REDIS_HOST", SET_STR, "127.0.0.1", OFF(redis_host), 0, 0, NULL,
     "Redis host"},
    {"REDIS_PORT", SET_INT, "6379", OFF(redis_port), 1, 65535, NULL,
     "Redis port"},
    {"REDIS_PASSWORD", SET_STR, "", OFF(redis_password), 0, 0, NULL,
     "Redis password (secret)"},
    {"QUEUE_BATCH_SIZE", SET_INT, "128", OFF(queue_batch), 1, 4096, NULL,
     "jobs a worker takes per round trip"},
    {"QUEUE_BLOCK_MS", SET_INT, "500", OFF(queue_block_ms), 10, 60000, NULL,
     "how long a worker waits for a job before checking signals (at most "
     "1000 at a time: a take moves back failed jobs whose wait is over)"},
    {"QUEUE_LINGER_MS", SET_INT, "5", OFF(queue_linger_ms), 0, 1000, NULL,
     "wait this long for a small batch to fill before handling it"},
    {"QUEUE_VISIBILITY_TIMEOUT_MS", SET_INT, "30000", OFF(queue_visibility_ms),
     100, 86400000, NULL,
     "a job taken, then neither acknowledged nor renewed by its worker "
     "for this long, is redelivered"},
    {"QUEUE_MAX_ATTEMPTS", SET_INT, "5", OFF(queue_max_attempts), 1, 100, NULL,
     "failures before a job moves to stonks:dead:<queue>"},
    {"QUEUE_RETRY_DELAY_MS", SET_INT, "1000", OFF(queue_retry_delay_ms), 0,
     600000, NULL,
     "a failed job waits this long before it is taken again, doubling "
     "with each failure (at most 60x; 0: at once)"},
    {"SCHEDULER_MODE", SET_ENUM, "replay", OFF(scheduler_mode), 0, 0,
     "replay|live", "walk the replay clock, or tick in real time"},
    {"REPLAY_DIR", SET_STR, "data/replay", OFF(replay_dir), 0, 0, NULL,
     "folder with the replay news and price files"},
    {"REPLAY_START", SET_DATE, "2011-07-06", OFF(replay_start), 0, 0, NULL,
     "first replayed day"},
    {"REPLAY_END", SET_DATE, "2011-12-30", OFF(replay_end), 0, 0, NULL,
     "last replayed day"},
    {"REPLAY_TICKERS", SET_STR, "", OFF(replay_tickers), 0, 0, NULL,
     "comma-separated tickers to replay; empty: all active symbols. An "
     "alternative ticker stands for its symbol (`GOOG` replays `GOOGL`); "
     "one that is neither, or a symbol not active, stops the scheduler "
     "with a message naming it"},
    {"REPLAY_LOOKAHEAD_DAYS", SET_INT, "250", OFF(replay_lookahead_days), 1,
     1000, NULL, "trading days ingestion may run ahead of aggregation"},
    {"REPLAY_LOOKBACK_DAYS", SET_INT, "45", OFF(replay_lookback_days), 0, 3650,
     NULL,
     "calendar days of bars loaded before the first day; live mode: how "
     "far back a ticker not ingested lately is read"},
    {"REPLAY_PACE_MS", SET_INT, "0", OFF(replay_pace_ms), 0, 600000, NULL,
     "least time per replayed day (0: as fast as the pipeline goes)"},
    {"SCHEDULER_INTERVAL_S", SET_INT, "300", OFF(scheduler_interval_s), 1,
     86400, NULL, "live mode: seconds between ticks"},
    {"INGEST_PROVIDER", SET_ENUM, "replay", OFF(ingest_provider), 0, 0,
     "replay|polygon|alpaca|rss", "where ingestion reads bars and news"},
    {"OBJECT_STORE", SET_ENUM, "fs", OFF(object_store), 0, 0, "fs|s3",
     "where raw payloads are kept"},
    {"OBJECT_STORE_DIR", SET_STR, "var/objects", OFF(object_store_dir), 0, 0,
     NULL, "fs object store: root folder"},
    {"S3_ENDPOINT", SET_STR, "http://127.0.0.1:9000", OFF(s3_endpoint), 0, 0,
     NULL, "s3 object store: endpoint URL (MinIO)"},
    {"S3_REGION", SET_STR, "us-east-1", OFF(s3_region), 0, 0, NULL,
     "s3 object store: SigV4 region"},
    {"S3_BUCKET", SET_STR, "stonks-raw", OFF(s3_bucket), 0, 0, NULL,
     "s3 object store: bucket of raw payloads (created if missing)"},
    {"S3_PATH_STYLE", SET_INT, "1", OFF(s3_path_style), 0, 1, NULL,
     "1: endpoint/bucket/key addressing; 0: bucket.host/key"},
    {"MINIO_ACCESS_KEY", SET_STR, "", OFF(minio_access_key), 0, 0, NULL,
     "s3 object store: access key (secret)"},
    {"MINIO_SECRET_KEY", SET_STR, "", OFF(minio_secret_key), 0, 0, NULL,
     "s3 object store: secret key (secret)"},
    {"MARKET_DATA_API_KEY", SET_STR, "", OFF(market_data_api_key), 0, 0, NULL,
     "Polygon.io API key (secret)"},
    {"POLYGON_BASE_URL", SET_STR, "", OFF(polygon_base_url), 0, 0, NULL,
     "Polygon.io REST base URL (needed by INGEST_PROVIDER=polygon)"},
    {"ALPACA_DATA_URL", SET_STR, "", OFF(alpaca_data_url), 0, 0, NULL,
     "Alpaca market data base URL (needed by INGEST_PROVIDER=alpaca)"},
    {"ALPACA_DATA_FEED", SET_ENUM, "iex", OFF(alpaca_data_feed), 0, 0,
     "iex|sip", "Alpaca bars feed"},
    {"RSS_FEEDS", SET_STR, "", OFF(rss_feeds), 0, 0, NULL,
     "comma-separated RSS/Atom feed URLs (SEC EDGAR's Atom too)"},
    {"SEC_FULL_TEXT_FORMS", SET_STR, "8-K", OFF(sec_full_text_forms), 0, 0,
     NULL, "SEC feed entries of these forms get their filing's full text"},
    {"INGEST_USER_AGENT", SET_STR, "stonks-oracle", OFF(ingest_user_agent), 0,
     0, NULL, "User-Agent of provider requests (SEC asks for a contact)"},
    {"INGEST_REQUESTS_PER_MIN", SET_INT, "60", OFF(ingest_requests_per_min), 1,
     100000, NULL, "provider requests per minute, shared by all replicas"},
    {"INGEST_HTTP_TIMEOUT_S", SET_INT, "30", OFF(ingest_http_timeout_s), 1, 600,
     NULL, "seconds for one provider request"},
    {"INGEST_MAX_RETRIES", SET_INT, "4", OFF(ingest_max_retries), 0, 20, NULL,
     "retries of a provider request after 429, 5xx or a cut answer"},
    {"INGEST_RETRY_MAX_S", SET_INT, "60", OFF(ingest_retry_max_s), 1, 3600,
     NULL, "longest wait before a retry (Retry-After is capped to it)"},
    {"INGEST_MAX_PAGES", SET_INT, "50", OFF(ingest_max_pages), 1, 100000, NULL,
     "pages followed per provider query"},
    {"INGEST_MAX_RESPONSE", SET_INT, "16777216", OFF(ingest_max_response), 4096,
     1073741824, NULL, "largest provider answer accepted, bytes"},
    {"RSS_REFRESH_S", SET_INT, "300", OFF(rss_refresh_s), 0, 86400, NULL,
     "a worker fetches each feed at most once per this many seconds"},
    {"EXTRACTOR_MODEL", SET_ENUM, "embedded", OFF(extractor_model), 0, 0,
     "embedded|ollama", "signal extraction model"},
    {"STONKS_MODEL_PATH", SET_STR, "data/model/sentiment.weights",
     OFF(model_path), 0, 0, NULL, "embedded model weights file"},
    {"MIGRATIONS_DIR", SET_STR, "db/migrations", OFF(migrations_dir), 0, 0,
     NULL, "numbered SQL files applied by `stonks migrate`"},
    {"WATCHLIST_FILE", SET_STR, "data/watchlist.csv", OFF(watchlist_file), 0, 0,
     NULL, "the watchlist `stonks seed` loads (unless given a FILE)"},
    {"STONKS_VAR_DIR", SET_STR, "var", OFF(var_dir), 0, 0, NULL,
     "folder for logs of child services (`stonks demo`)"},
    {"HTTP_BIND", SET_STR, "127.0.0.1", OFF(http_bind), 0, 0, NULL,
     "address the HTTP server listens on (0.0.0.0 in a container)"},
    {"HTTP_PORT", SET_INT, "8000", OFF(http_port), 0, 65535, NULL,
     "port of the API and of /health, /ready, /metrics (0: off)"},
    {"HTTP_THREADS", SET_INT, "4", OFF(http_threads), 1, 64, NULL,
     "HTTP worker threads"},
    {"HTTP_MAX_BODY", SET_INT, "1048576", OFF(http_max_body), 1024, 67108864,
     NULL, "largest request body accepted, bytes"},
    {"HTTP_REQUEST_TIMEOUT_S", SET_INT, "30", OFF(http_request_timeout_s), 1,
     600, NULL,
     "seconds a request's headers and body may take to arrive in full"},
    {"API_TOKENS", SET_TOKENS, "", OFF(api_tokens), 0, 0, NULL,
     "up to 16 comma-separated bearer tokens, 16-256 printable characters "
     "each, for mutating routes (secret)"},
    {"API_READ_AUTH", SET_INT, "0", OFF(api_read_auth), 0, 1, NULL,
     "1: read routes need a token too"},
    {"CORS_ORIGIN", SET_STR, "", OFF(cors_origin), 0, 0, NULL,
     "origin allowed by CORS (the dashboard's, or *); empty: none"},
    {"POSTGRES_POOL_SIZE", SET_INT, "4", OFF(pg_pool_size), 1, 256, NULL,
     "connections an API service keeps to PostgreSQL"},
    {"HTTP_CACHE_MS", SET_INT, "1000", OFF(http_cache_ms), 0, 60000, NULL,
     "query-api: a read answer is reused for this long (0: off)"},
    {"QUERY_API_URL", SET_STR, "http://127.0.0.1:8001", OFF(query_api_url), 0,
     0, NULL, "where query-api answers"},
    {"REGISTRY_URL", SET_STR, "http://127.0.0.1:8002", OFF(registry_url), 0, 0,
     NULL, "where symbol-registry answers"},
    {"OLLAMA_URL", SET_STR, "", OFF(ollama_url), 0, 0, NULL,
     "Ollama server, e.g. http://127.0.0.1:11434"},
    {"OLLAMA_MODEL", SET_STR, "llama3.1", OFF(ollama_model), 0, 0, NULL,
     "Ollama model name"},
    {"OLLAMA_TIMEOUT_S", SET_INT, "60", OFF(ollama_timeout_s), 1, 3600, NULL,
     "seconds to wait for one Ollama reply"},
    {"OLLAMA_NUM_CTX", SET_INT, "8192", OFF(ollama_num_ctx), 512, 131072, NULL,
     "context window requested from Ollama"},
    {"TRADING_MODE", SET_ENUM, "paper", OFF(trading_mode), 0, 0, "paper|live",
     "paper trading, or live (needs TRADING_LIVE_CONFIRM)"},
    {"TRADING_LIVE_CONFIRM", SET_STR, "", OFF(trading_live_confirm), 0, 0, NULL,
     "must be I_UNDERSTAND_REAL_MONEY for live trading"},
    {"TRADING_DECIDE_AT", SET_CLOCK, "09:00", OFF(trading_decide_at), 0, 0,
     NULL,
     "live mode: New York time (HH:MM, before 16:00) from which a session "
     "is traded, on recommendations computed from then on"},
    {"BROKER", SET_ENUM, "paper", OFF(broker), 0, 0, "paper|alpaca",
     "built-in paper broker, or Alpaca's trading API"},
    {"BROKER_BASE_URL", SET_STR, "", OFF(broker_base_url), 0, 0, NULL,
     "Alpaca trading API base URL"},
    {"BROKER_API_KEY", SET_STR, "", OFF(broker_api_key), 0, 0, NULL,
     "Alpaca key id (secret)"},
    {"BROKER_API_SECRET", SET_STR, "", OFF(broker_api_secret), 0, 0, NULL,
     "Alpaca secret key (secret)"},
    {"BROKER_TIMEOUT_MS", SET_INT, "10000", OFF(broker_timeout_ms), 100, 120000,
     NULL, "broker API: milliseconds to wait for one answer"},
    {"RECONCILE_INTERVAL_S", SET_INT, "60", OFF(reconcile_interval_s), 1, 86400,
     NULL,
     "broker-adapter: seconds between comparisons of our positions with "
     "the broker's, busy or idle"},
    {"RISK_ENGINE_URL", SET_STR, "http://127.0.0.1:8004", OFF(risk_engine_url),
     0, 0, NULL, "where risk-engine answers"},
    {"TRADING_ENGINE_URL", SET_STR, "http://127.0.0.1:8003",
     OFF(trading_engine_url), 0, 0, NULL, "where trading-engine answers"},
    {"SMTP_URL", SET_STR, "", OFF(smtp_url), 0, 0, NULL,
     "SMTP server, e.g. smtp://smtp.gmail.com:587; empty: outbox table"},
    {"GMAIL_SENDER", SET_STR, "", OFF(gmail_sender), 0, 0, NULL,
     "notification sender address"},
    {"GMAIL_RECIPIENT", SET_STR, "", OFF(gmail_recipient), 0, 0, NULL,
     "notification recipient address"},
    {"GMAIL_APP_PASSWORD", SET_STR, "", OFF(gmail_app_password), 0, 0, NULL,
     "SMTP password (secret)"},
    {"PAPER_SLIPPAGE_BPS", SET_INT, "5", OFF(paper_slippage_bps), 0,
     CONFIG_PAPER_SLIPPAGE_BPS_MAX, NULL,
     "paper broker: slippage in basis points"},
    {"PAPER_COMMISSION_CENTS", SET_INT, "0", OFF(paper_commission_cents), 0,
     CONFIG_PAPER_COMMISSION_CENTS_MAX, NULL,
     "paper broker: commission per order, cents; the risk checks count it "
     "in the cash an order needs and holds back"},
    {"STARTING_CASH", SET_MONEY, "100000.00", OFF(starting_cash), 0, 0, NULL,
     "paper account's starting cash, dollars (" CONFIG_MONEY_RANGE ")"},
    {"LAKE_URI", SET_STR, "var/lake/warehouse", OFF(lake_uri), 0, 0, NULL,
     "the Parquet lake: a local folder (s3a:// needs the S3 backend)"},
    {"LAKE_PUBLISH_INTERVAL_S", SET_INT, "60", OFF(lake_publish_interval_s), 1,
     86400, NULL, "lake-publisher: seconds between catch-up runs"},
    {"LAKE_QUERY_MAX_ROWS", SET_INT, "10000", OFF(lake_query_max_rows),
     CONFIG_LAKE_QUERY_MAX_ROWS_MIN, CONFIG_LAKE_QUERY_MAX_ROWS_MAX, NULL,
     "SQL over the lake: most rows one query returns"},
    {"LAKE_QUERY_MAX_BYTES", SET_INT, "67108864", OFF(lake_query_max_bytes),
     1024, 1073741824, NULL,
     "SQL over the lake: most bytes of text one answer holds"},
    {"LAKE_QUERY_TIMEOUT_MS", SET_INT, "30000", OFF(lake_query_timeout_ms),
     CONFIG_LAKE_QUERY_TIMEOUT_MS_MIN, CONFIG_LAKE_QUERY_TIMEOUT_MS_MAX, NULL,
     "SQL over the lake: longest run of one query"},
    {"DUCKDB_LIBRARY", SET_STR, "", OFF(duckdb_library), 0, 0, NULL,
     "path of libduckdb.so; empty: where the build found it"},
    {"TRINO_URL", SET_STR, "", OFF(trino_url), 0, 0, NULL,
     "Trino server for SQL over the lake; empty: embedded DuckDB"},
    {"TRINO_USER", SET_STR, "stonks", OFF(trino_user), 0, 0, NULL,
     "user named to Trino (X-Trino-User)"},
    {"TRINO_CATALOG", SET_STR, "lakehouse", OFF(trino_catalog), 0, 0, NULL,
     "Trino catalog of the lake"},
    {"TRINO_SCHEMA", SET_STR, "stonks", OFF(trino_schema), 0, 0, NULL,
     "Trino schema of the lake's tables"},
};

#define NSETTINGS (sizeof(config_table) / sizeof(config_table[0]))

static int enum_allows(const char *choices, const char *v)
{
    size_t vlen = strlen(v);
    const char *p = choices;

    while (*p) {
        const char *end = strchr(p, '|');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n == vlen && strncmp(p, v, n) == 0)
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

static int valid_date(const char *v)
{
    int y, m, d;
    char tail;

    if (strlen(v) != 10 || sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* "HH:MM", 00:00 to 23:59. */
static int valid_clock(const char *v)
{
    return strlen(v) == 5 && isdigit((unsigned char)v[0]) &&
           isdigit((unsigned char)v[1]) && v[2] == ':' &&
           isdigit((unsigned char)v[3]) && isdigit((unsigned char)v[4]) &&
           (v[0] - '0') * 10 + (v[1] - '0') < 24 && v[3] < '6';
}

int config_clock(const char *hhmm)
{
    return ((hhmm[0] - '0') * 10 + (hhmm[1] - '0')) * 60 +
           (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
}

/* Positive dollars below a trillion with at most two decimals. */
static int valid_money(const char *v)
{
    size_t digits = 0, decimals = 0;
    const char *p = v;

    while (*p >= '0' && *p <= '9') {
        digits++;
        p++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            decimals++;
            p++;
        }
    }
    return !*p && digits >= 1 && digits <= 12 && decimals <= 2 &&
           strspn(v, "0.") != strlen(v);
}

/* The rule of API_TOKENS, as its messages end. */
#define TOKENS_RULE                                                            \
    "at most 16 comma-separated tokens of 16 to 256 printable characters, "    \
    "without blanks inside"
_Static_assert(TOKEN_MAX == 16, "TOKENS_RULE names TOKEN_MAX");

/* 0 when v is at most TOKEN_MAX tokens of 16 to 256 printable
 * characters without blanks inside, comma-separated, blanks around
 * each allowed (as token_set_load reads them); else -1 with the rule
 * broken, and by which token (its place, never its text), in err. */
static int valid_tokens(const char *v, char *err, size_t errlen)
{
    token_set t;
    char why[128];
    const char *p = v, *tok;
    size_t n;
    int k = 0;

    if (token_set_load(&t, v, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s (" TOKENS_RULE ")", why);
        return -1;
    }
    while (*p) {
        const char *end = strchr(p, ',');
        const char *stop = end ? end : p + strlen(p);

        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        tok = p;
        while (p < stop && (*p > ' ' && *p <= '~'))
            p++;
        n = (size_t)(p - tok);
        k += n > 0;
        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        if (p != stop || n > 256) {
            snprintf(err, errlen, "API_TOKENS: token %d %s (" TOKENS_RULE ")",
                     k + (n == 0),
                     n > 256 && p == stop
                         ? "is longer than 256 characters"
                         : "holds a blank or a character that is not "
                           "printable ASCII");
            return -1;
        }
        p = end ? end + 1 : stop;
    }
    return 0;
}

/* v's first bytes as a message may quote them: a byte that is a
 * control or not ASCII is shown as '?' (the settings that quote a wrong
 * value take ASCII only). */
static void show_value(const char *v, char *out, size_t cap)
{
    size_t i = 0;

    for (; v[i] && i + 1 < cap; i++)
        out[i] = (unsigned char)v[i] < ' ' || (unsigned char)v[i] >= 0x7f
                     ? '?'
                     : v[i];
    out[i] = '\0';
}

/* 1 when v is UTF-8 without a control character (C0, DEL or C1), no
 * overlong form, surrogate or code point above U+10FFFF (the rules of
 * domain/text.c's text_utf8_len; lib does not include domain). */
static int plain_text(const char *v)
{
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    const unsigned char *p = (const unsigned char *)v;

    while (*p) {
        int n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
        uint32_t cp = n == 1 ? *p : *p & (0x7F >> n);

        if ((n == 2 && *p < 0xC0) || *p > 0xF4)
            return 0;
        for (int k = 1; k < n; k++) {
            if ((p[k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (p[k] & 0x3F);
        }
        if ((n > 1 && cp < least[n]) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp < 0x20 ||
            (cp >= 0x7F && cp <= 0x9F))
            return 0;
        p += n;
    }
    return 1;
}

static int load_one(config *c, const setting *s, char *err, size_t errlen)
{
    const char *v = getenv(s->name);
    char *field = (char *)c + s->offset, shown[41];

    if (!v)
        v = s->def;
    if (strlen(v) > 4096) {
        snprintf(err, errlen, "%s is longer than 4096 bytes", s->name);
        return -1;
    }
    show_value(v, shown, sizeof(shown));
    switch (s->kind) {
    case SET_INT: {
        long long n;

        if (num_int(v, s->min, s->max, &n) < 0) {
            snprintf(err, errlen,
                     "%s must be a whole number from %ld to %ld, got '%s'",
                     s->name, s->min, s->max, shown);
            return -1;
        }
        *(int *)field = (int)n;
        return 0;
    }
    case SET_ENUM:
        if (!enum_allows(s->choices, v)) {
            snprintf(err, errlen, "%s must be one of %s, got '%s'", s->name,
                     s->choices, shown);
            return -1;
        }
        break;
    case SET_DATE:
        if (!valid_date(v)) {
            snprintf(err, errlen, "%s must be a date YYYY-MM-DD, got '%s'",
                     s->name, shown);
            return -1;
        }
        break;
    case SET_MONEY:
        if (!valid_money(v)) {
            snprintf(err, errlen,
                     "%s must be positive dollars with at most two "
                     "decimals, " CONFIG_MONEY_RANGE ", got '%s'",
                     s->name, shown);
            return -1;
        }
        break;
    case SET_TOKENS:
        if (valid_tokens(v, err, errlen) < 0)
            return -1;
        break;
    case SET_CLOCK:
        if (!valid_clock(v)) {
            snprintf(err, errlen,
                     "%s must be a time of day HH:MM from 00:00 to 23:59 "
                     "(New York), got '%s'",
                     s->name, shown);
            return -1;
        }
        break;
    case SET_STR:
        /* (names, paths, URLs, keys: several go into request headers,
         * where a line break would add a header of the setter's) */
        if (!plain_text(v)) {
            snprintf(err, errlen,
                     "%s may not hold control characters (a line break, a "
                     "tab...) nor bytes that are not UTF-8",
                     s->name);
            return -1;
        }
        break;
    }
    *(char **)field = xstrdup(v);
    return 0;
}

/* 1 when u is an http:// or https:// URL with a host (letters, digits,
 * '.', '-', or [IPv6]), an optional port 1-65535 and an optional path
 * of printable characters, without a query or fragment (a base to
 * which the routes' paths are added: "?x=1/check" reaches no route);
 * *port gets the port, 0 when none is named. */
static int parse_http_url(const char *u, long *port)
{
    url_parts p;

    if (url_split(u, &p) < 0 ||
        (!url_scheme_is(&p, "http") && !url_scheme_is(&p, "https")) ||
        (p.rest[0] && p.rest[0] != '/'))
        return 0;
    for (const char *c = p.rest; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f || *c == '?' || *c == '#')
            return 0;
    *port = p.port;
    return 1;
}

static int http_url_ok(const char *u)
{
    long port;

    return parse_http_url(u, &port);
}

int config_url_port(const char *url)
{
    long port;

    return parse_http_url(url, &port) ? (int)port : 0;
}

/* -1 with err naming setting name when its URL v holds user info (not
 * the value: it may hold a password), else 0. */
static int no_userinfo(const char *name, const char *v, char *err,
                       size_t errlen)
{
    if (!url_has_userinfo(v))
        return 0;
    snprintf(err, errlen,
             "%s must not hold user info (user@ or user:password@ before "
             "the host); credentials go in their own settings",
             name);
    return -1;
}

/* The settings that name an HTTP server: empty (where allowed) or a
 * URL http_url_ok takes. Returns 0, or -1 with err naming the first
 * bad one (not its value: a URL may hold credentials). */
static int check_urls(const config *c, char *err, size_t errlen)
{
    const struct {
        const char *name, *value;
        int needed; /* a service of the stack: never empty */
    } urls[] = {{"QUERY_API_URL", c->query_api_url, 1},
                {"REGISTRY_URL", c->registry_url, 1},
                {"TRADING_ENGINE_URL", c->trading_engine_url, 1},
                {"RISK_ENGINE_URL", c->risk_engine_url, 1},
                {"OLLAMA_URL", c->ollama_url, 0},
                {"POLYGON_BASE_URL", c->polygon_base_url, 0},
                {"ALPACA_DATA_URL", c->alpaca_data_url, 0},
                {"BROKER_BASE_URL", c->broker_base_url, 0},
                {"TRINO_URL", c->trino_url, 0}};

    const char *smtp = c->smtp_url ? c->smtp_url : "";
    url_parts sp;

    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        if (urls[i].needed && (!urls[i].value || !urls[i].value[0])) {
            snprintf(err, errlen,
                     "%s is empty: it is where that service listens and "
                     "where the others reach it; unset it for the "
                     "default or give its http:// URL",
                     urls[i].name);
            return -1;
        }
        if (urls[i].value && urls[i].value[0] && !http_url_ok(urls[i].value)) {
            if (no_userinfo(urls[i].name, urls[i].value, err, errlen) < 0)
                return -1;
            snprintf(err, errlen,
                     "%s must be an http:// or https:// URL: a host, an "
                     "optional port 1-65535 and path, no ? or #",
                     urls[i].name);
            return -1;
        }
    }
    const char *cors = c->cors_origin ? c->cors_origin : "";

    if (no_userinfo("CORS_ORIGIN", cors, err, errlen) < 0 ||
        no_userinfo("SMTP_URL", smtp, err, errlen) < 0)
        return -1;

    if (cors[0] && strcmp(cors, "*") != 0 &&
        (!http_url_ok(cors) || strchr(strstr(cors, "://") + 3, '/'))) {
        snprintf(err, errlen,
                 "CORS_ORIGIN must be *, or an origin: http:// or https://, "
                 "a host and an optional port, no path "
                 "(http://127.0.0.1:8080)");
        return -1;
    }
    if (strpbrk(cors, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
        /* compared with the Origin header as sent: browsers write the
         * scheme and the host in lower case */
        snprintf(err, errlen,
                 "CORS_ORIGIN must be in lower case, as browsers send the "
                 "Origin header (http://dashboard.example:8080)");
        return -1;
    }
    if (smtp[0] &&
        (url_split(smtp, &sp) < 0 ||
         (!url_scheme_is(&sp, "smtp") && !url_scheme_is(&sp, "smtps")) ||
         strpbrk(smtp, " \t\r\n"))) {
        snprintf(err, errlen,
                 "SMTP_URL must be an smtp:// or smtps:// URL with a host "
                 "(smtps://smtp.gmail.com:465)");
        return -1;
    }
    return 0;
}

/* Why production refuses password p, or NULL. An empty one is refused
 * apart (it is unset). Refused: one shorter than 12 bytes
 * (which covers the bare names of the images' defaults: postgres,
 * redis, stonks, root, test), or one that holds, in any case, a word of
 * the examples and images that attackers try first. The names of the
 * services are not such words: "...-postgres-..." may be random. */
static const char *weak_password(const char *p)
{
    static const char *const known[] = {
        "changeme", "password", "passwd",  "admin",   "secret",
        "123456",   "qwerty",   "letmein", "welcome", "default"};

    if (!p[0])
        return NULL;
    if (strlen(p) < 12)
        return "it is shorter than 12 bytes";
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcasestr(p, known[i]))
            return "it holds a word attackers try first (changeme, "
                   "password, admin, secret, 123456 and the like)";
    return NULL;
}

int config_load(config *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (load_one(c, &config_table[i], err, errlen) < 0) {
            config_release(c);
            return -1;
        }
    }
    if (strcmp(c->replay_start, c->replay_end) > 0) {
        snprintf(err, errlen, "REPLAY_START (%s) is after REPLAY_END (%s)",
                 c->replay_start, c->replay_end);
        config_release(c);
        return -1;
    }
    if (config_clock(c->trading_decide_at) >= 16 * 60) {
        snprintf(err, errlen,
                 "TRADING_DECIDE_AT (%s) is at or after the close (16:00, "
                 "New York): no session could be traded; pick an earlier "
                 "time",
                 c->trading_decide_at);
        config_release(c);
        return -1;
    }
    if (check_urls(c, err, errlen) < 0) {
        config_release(c);
        return -1;
    }
    if (strcmp(c->env, "production") == 0 &&
        (!c->pg_password[0] || !c->redis_password[0])) {
        snprintf(err, errlen,
                 "STONKS_ENV=production needs POSTGRES_PASSWORD and "
                 "REDIS_PASSWORD set to non-empty values");
        config_release(c);
        return -1;
    }
    if (strcmp(c->env, "production") == 0) {
        const char *pg = weak_password(c->pg_password);
        const char *redis = weak_password(c->redis_password);

        if (pg || redis) {
            snprintf(err, errlen,
                     "STONKS_ENV=production refuses %s: %s; set a long "
                     "random value",
                     pg ? "POSTGRES_PASSWORD" : "REDIS_PASSWORD",
                     pg ? pg : redis);
            config_release(c);
            return -1;
        }
    }
    return 0;
}

void config_release(config *c)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (config_table[i].kind != SET_INT) {
            char **field = (char **)((char *)c + config_table[i].offset);

            free(*field);
            *field = NULL;
        }
    }
}

void config_print_markdown(void)
{
    printf("| variable | default | meaning |\n|---|---|---|\n");
    for (size_t i = 0; i < NSETTINGS; i++) {
        const setting *s = &config_table[i];

        printf("| `%s` | `%s` | %s", s->name, s->def, s->help);
        if (s->kind == SET_ENUM)
            printf(" (`%s`)", s->choices);
        if (s->kind == SET_INT)
            printf(" (%ld..%ld)", s->min, s->max);
        printf(" |\n");
    }
}
