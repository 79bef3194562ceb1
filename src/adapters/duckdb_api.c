/* Compiled only where duckdb.h is available; see duckdb_lake.c. */
#if defined(__has_include)
#if __has_include(<duckdb.h>)
#define DUCKDB_API_HAVE 1
#endif
#endif

#ifdef DUCKDB_API_HAVE

#include "adapters/duckdb_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"

/* Where make found the library: build/duckdb/libduckdb.so (absolute)
 * when it fetched it, "libduckdb.so" for a system installation. */
#ifndef STONKS_DUCKDB_LIB
#define STONKS_DUCKDB_LIB "libduckdb.so"
#endif

duckdb_api_table duckdb_api;

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static int load_state; /* 0 not tried, 1 loaded, -1 failed */
static char load_error[1024];

/* Resolves every function from handle. Returns 0, or -1 naming the
 * first one missing. */
static int resolve(void *handle, const char *path, buf *why)
{
#define DUCKDB_API_RESOLVE(f)                                                  \
    do {                                                                       \
        void *sym = dlsym(handle, #f);                                         \
        if (!sym) {                                                            \
            buf_addf(why, "%s lacks %s (not DuckDB 1.4?); ", path, #f);        \
            return -1;                                                         \
        }                                                                      \
        memcpy(&duckdb_api.f, &sym, sizeof(sym));                              \
    } while (0);
    DUCKDB_API_FUNCTIONS(DUCKDB_API_RESOLVE)
#undef DUCKDB_API_RESOLVE
    return 0;
}

static int try_path(const char *path, buf *why)
{
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);

    if (!handle) {
        buf_addf(why, "%s; ", dlerror());
        return -1;
    }
    if (resolve(handle, path, why) < 0) {
        memset(&duckdb_api, 0, sizeof(duckdb_api));
        dlclose(handle);
        return -1;
    }
    /* The handle stays open for the life of the process. */
    return 0;
}

int duckdb_api_load(const char *configured, char *err, size_t errlen)
{
    int rc;

    pthread_mutex_lock(&load_lock);
    if (load_state == 0) {
        buf why;

        buf_init(&why);
        if (configured && configured[0])
            load_state = try_path(configured, &why) == 0 ? 1 : -1;
        else if (try_path(STONKS_DUCKDB_LIB, &why) == 0 ||
                 (strcmp(STONKS_DUCKDB_LIB, "libduckdb.so") != 0 &&
                  try_path("libduckdb.so", &why) == 0))
            load_state = 1;
        else
            load_state = -1;
        if (load_state < 0)
            snprintf(load_error, sizeof(load_error),
                     "cannot load DuckDB's library: %s(set DUCKDB_LIBRARY "
                     "to its path; see docs/LAKE.md)",
                     why.data);
        buf_release(&why);
    }
    rc = load_state > 0 ? 0 : -1;
    if (rc < 0)
        snprintf(err, errlen, "%s", load_error);
    pthread_mutex_unlock(&load_lock);
    return rc;
}

#else

/* No duckdb.h: nothing to load (duckdb_lake.c explains). */
typedef int duckdb_api_absent;

#endif
