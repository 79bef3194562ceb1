/*
 * config: every setting of every service, read from the environment
 * once at start-up, with defaults, and validated. The names are the
 * ones the Helm chart's ConfigMap and Secrets set. A bad value stops
 * start-up with a message that names the variable and what it accepts.
 * config_table (see config.c) is the single list; the README's
 * configuration table is printed from it by `stonks config --markdown`.
 */
#ifndef STONKS_CONFIG_H
#define STONKS_CONFIG_H

#include <stddef.h>

typedef struct config {
    char *env; /* development | production */
    char *log_level;

    char *pg_host;
    int pg_port;
    char *pg_db;
    char *pg_user;
    char *pg_password;
    int pg_connect_timeout_s;

    char *redis_host;
    int redis_port;
    char *redis_password;

    int queue_batch;
    int queue_block_ms;
    int queue_linger_ms;
    int queue_visibility_ms;
    int queue_max_attempts;
    int queue_retry_delay_ms;

    char *scheduler_mode; /* replay | live */
    char *replay_dir;
    char *replay_start;
    char *replay_end;
    char *replay_tickers; /* empty: every active symbol */
    int replay_lookahead_days;
    int replay_lookback_days;
    int replay_pace_ms;
    int scheduler_interval_s;

    char *ingest_provider;
    char *object_store;
    char *object_store_dir;

    /* Object store: S3 (MinIO). */
    char *s3_endpoint;
    char *s3_region;
    char *s3_bucket;
    int s3_path_style;
    char *minio_access_key;
    char *minio_secret_key;

    /* Market-data and news providers (docs/PROVIDERS.md). */
    char *market_data_api_key;
    char *polygon_base_url;
    char *alpaca_data_url;
    char *alpaca_data_feed;
    char *rss_feeds;
    char *sec_full_text_forms;
    char *ingest_user_agent;
    int ingest_requests_per_min;
    int ingest_http_timeout_s;
    int ingest_max_retries;
    int ingest_retry_max_s;
    int ingest_max_pages;
    int ingest_max_response;
    int rss_refresh_s;

    char *extractor_model;
    char *model_path;

    char *migrations_dir;
    char *watchlist_file;
    char *var_dir;

    /* HTTP: APIs and the /health, /ready, /metrics probes. */
    char *http_bind;
    int http_port; /* 0: probes off (workers run locally) */
    int http_threads;
    int http_max_body;
    int http_request_timeout_s; /* a request must arrive within this */
    char *api_tokens; /* comma-separated bearer tokens (secret) */
    int api_read_auth; /* 1: reads need a token too */
    char *cors_origin;
    int pg_pool_size;
    int http_cache_ms; /* query-api: reuse read answers this long */
    char *query_api_url;
    char *registry_url;

    /* Extraction through Ollama. */
    char *ollama_url;
    char *ollama_model;
    int ollama_timeout_s;
    int ollama_num_ctx;

    /* Trading. */
    char *trading_mode; /* paper | live */
    char *trading_live_confirm;
    char *trading_decide_at; /* HH:MM, New York: see config_clock */
    char *broker; /* paper | alpaca */
    char *broker_base_url;
    char *broker_api_key;
    char *broker_api_secret;
    int broker_timeout_ms;
    int reconcile_interval_s;
    char *risk_engine_url;
    char *trading_engine_url;
    char *smtp_url;
    char *gmail_sender;
    char *gmail_recipient;
    char *gmail_app_password;
    int paper_slippage_bps;
    int paper_commission_cents;
    char *starting_cash;

    /* The Parquet lake and SQL over it (docs/LAKE.md). */
    char *lake_uri;
    int lake_publish_interval_s;
    int lake_query_max_rows;
    int lake_query_max_bytes;
    int lake_query_timeout_ms;
    char *duckdb_library;
    char *trino_url;
    char *trino_user;
    char *trino_catalog;
    char *trino_schema;
} config;

/* The ranges of the settings that a command's option also sets (stonks
 * sql --max-rows and --timeout-ms; stonks backtest --cash,
 * --slippage-bps and --commission-order): the option accepts what the
 * setting accepts, and its message names the same range. */
#define CONFIG_LAKE_QUERY_MAX_ROWS_MIN 1
#define CONFIG_LAKE_QUERY_MAX_ROWS_MAX 1000000
#define CONFIG_LAKE_QUERY_TIMEOUT_MS_MIN 100
#define CONFIG_LAKE_QUERY_TIMEOUT_MS_MAX 3600000
#define CONFIG_PAPER_SLIPPAGE_BPS_MAX 1000
#define CONFIG_PAPER_COMMISSION_CENTS_MAX 100000
/* STARTING_CASH: positive dollars with at most two decimals and at
 * most 12 digits before the point, in cents and as messages give it. */
#define CONFIG_STARTING_CASH_MAX_CENTS 99999999999999LL
#define CONFIG_MONEY_RANGE "0.01 to 999999999999.99"

/* Reads every setting. Returns 0, or -1 with a message naming the
 * variable in err. On success the caller releases with config_release.
 */
int config_load(config *c, char *err, size_t errlen);
void config_release(config *c);

/* Prints the settings table (name, default, meaning) as Markdown. */
void config_print_markdown(void);

/* The port an http:// or https:// URL names (1-65535), or 0 when it
 * names none or is not a URL the *_URL settings accept. */
int config_url_port(const char *url);

/* Minutes after midnight of a time "HH:MM" the configuration checked
 * (TRADING_DECIDE_AT). */
int config_clock(const char *hhmm);

#endif
