#include "adapters/lake_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/s3.h"
#include "lib/xalloc.h"

/* The largest partition file uploaded (one PUT, read into memory). */
#define S3_MAX_FILE (1024LL * 1024 * 1024)

struct lake_store {
    char *root; /* local: absolute, no trailing slash; S3: the key prefix
                 * ("warehouse", "" for the bucket's root) */
    char *staging; /* local: root/_staging; S3: STONKS_VAR_DIR/lake-staging */
    unsigned long seq;
    s3_client *s3; /* NULL: a local folder */
    char *id; /* lake_store_id */
};

static int is_s3_uri(const char *uri)
{
    return strncmp(uri, "s3://", 5) == 0 || strncmp(uri, "s3a://", 6) == 0;
}

int lake_store_local_dir(const char *uri, char *out, size_t cap, char *err,
                         size_t errlen)
{
    const char *path = uri;
    char cwd[PATH_MAX];
    int n;

    if (is_s3_uri(uri)) {
        snprintf(err, errlen,
                 "LAKE_URI %.200s is on S3, and embedded DuckDB reads a "
                 "local lake only (see docs/LAKE.md); query it through "
                 "Trino (TRINO_URL)",
                 uri);
        return -1;
    }
    if (strncmp(uri, "file://", 7) == 0)
        path = uri + 7;
    else if (strstr(uri, "://")) {
        snprintf(err, errlen, "LAKE_URI %.200s: unknown scheme", uri);
        return -1;
    }
    if (!path[0]) {
        snprintf(err, errlen, "LAKE_URI is empty");
        return -1;
    }
    if (path[0] == '/') {
        n = snprintf(out, cap, "%s", path);
    } else {
        if (!getcwd(cwd, sizeof(cwd))) {
            snprintf(err, errlen, "cannot read the working folder: %s",
                     strerror(errno));
            return -1;
        }
        n = snprintf(out, cap, "%s/%s", cwd, path);
    }
    if (n < 0 || (size_t)n >= cap) {
        snprintf(err, errlen, "LAKE_URI is too long");
        return -1;
    }
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
    /* The lake's files are read by glob patterns under the root, in
     * which these would match other folders, or not this one. */
    if (strpbrk(out, "*?[]\\")) {
        snprintf(err, errlen,
                 "LAKE_URI %.200s holds '%c', which the lake's file patterns "
                 "read as a wildcard: pick a folder without * ? [ ] or \\",
                 out, *strpbrk(out, "*?[]\\"));
        return -1;
    }
    return 0;
}

/* mkdir -p, for folders under the root. */
static int make_dirs(const char *path, char *err, size_t errlen)
{
    char *p = xstrdup(path);
    int rc = 0;

    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            rc = -1;
        *s = '/';
        if (rc < 0)
            break;
    }
    if (rc == 0 && mkdir(p, 0755) < 0 && errno != EEXIST)
        rc = -1;
    if (rc < 0)
        snprintf(err, errlen, "cannot create folder %s: %s", p,
                 strerror(errno));
    free(p);
    return rc;
}

/* Removes staging files left by a publisher that died while writing:
 * any older than an hour (no write takes that long). */
static void sweep_staging(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    time_t now = time(NULL);

    if (!d)
        return;
    while ((e = readdir(d))) {
        char *path;
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        path = xasprintf("%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            now - st.st_mtime > 3600)
            unlink(path);
        free(path);
    }
    closedir(d);
}

static s3_options lake_s3_options(const config *c, const char *bucket)
{
    s3_options o = {0};

    o.endpoint = c->s3_endpoint;
    o.region = c->s3_region;
    o.bucket = bucket;
    o.access_key = c->minio_access_key;
    o.secret_key = c->minio_secret_key;
    o.path_style = c->s3_path_style;
    o.timeout_ms = 300000; /* a large partition file in one PUT */
    return o;
}

/* The bucket and key prefix of an s3:// LAKE_URI (the caller frees
 * both), after checking that it names a bucket and that the S3
 * settings are complete. Returns 0, or -1 with a message in err. */
static int s3_lake_parts(const config *c, char **bucket_out, char **prefix_out,
                         char *err, size_t errlen)
{
    const char *p = strstr(c->lake_uri, "://") + 3;
    const char *slash = strchr(p, '/');
    char *bucket = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
    char *prefix = xstrdup(slash ? slash + 1 : "");
    size_t n = strlen(prefix);
    s3_options o;
    int rc = -1;

    while (n > 0 && prefix[n - 1] == '/')
        prefix[--n] = '\0';
    o = lake_s3_options(c, bucket);
    if (!bucket[0])
        snprintf(err, errlen, "LAKE_URI %.200s names no bucket", c->lake_uri);
    else if (!c->minio_access_key || !c->minio_access_key[0] ||
             !c->minio_secret_key || !c->minio_secret_key[0])
        snprintf(err, errlen,
                 "LAKE_URI %.200s needs MINIO_ACCESS_KEY and "
                 "MINIO_SECRET_KEY",
                 c->lake_uri);
    else if (s3_options_check(&o, err, errlen) == 0)
        rc = 0;
    if (rc == 0 && bucket_out) {
        *bucket_out = bucket;
        *prefix_out = prefix;
    } else {
        free(bucket);
        free(prefix);
    }
    return rc;
}

int lake_store_check(const config *c, char *err, size_t errlen)
{
    char root[PATH_MAX];

    if (is_s3_uri(c->lake_uri))
        return s3_lake_parts(c, NULL, NULL, err, errlen);
    return lake_store_local_dir(c->lake_uri, root, sizeof(root), err, errlen);
}

/* s3://bucket/prefix or s3a://bucket/prefix: the bucket on S3_ENDPOINT
 * (path-style or not, as S3_PATH_STYLE says), keys under prefix; files
 * are staged locally under STONKS_VAR_DIR/lake-staging. */
static lake_store *open_s3(const config *c, char *err, size_t errlen)
{
    char *bucket = NULL, *prefix = NULL;
    lake_store *s = NULL;
    s3_client *cl = NULL;
    s3_options o;

    if (s3_lake_parts(c, &bucket, &prefix, err, errlen) < 0)
        return NULL;
    o = lake_s3_options(c, bucket);
    cl = s3_new(&o, err, errlen);
    if (!cl || s3_ensure_bucket(cl, err, errlen) != S3_OK)
        goto fail;
    s = xcalloc(1, sizeof(*s));
    s->s3 = cl;
    cl = NULL;
    s->root = prefix;
    prefix = NULL;
    s->staging = xasprintf("%s/lake-staging",
                           c->var_dir && c->var_dir[0] ? c->var_dir : "var");
fail:
    s3_free(cl);
    free(bucket);
    free(prefix);
    return s;
}

lake_store *lake_store_open(const config *c, char *err, size_t errlen)
{
    char root[PATH_MAX];
    lake_store *s;

    if (is_s3_uri(c->lake_uri)) {
        s = open_s3(c, err, errlen);
        if (!s)
            return NULL;
    } else {
        if (lake_store_local_dir(c->lake_uri, root, sizeof(root), err, errlen) <
            0)
            return NULL;
        s = xcalloc(1, sizeof(*s));
        s->root = xstrdup(root);
        s->staging = xasprintf("%s/_staging", root);
    }
    if (make_dirs(s->staging, err, errlen) < 0) {
        lake_store_close(s);
        return NULL;
    }
    sweep_staging(s->staging);
    if (s->s3) {
        const char *u = c->lake_uri + (c->lake_uri[2] == 'a' ? 6 : 5);
        size_t n = strlen(u);

        while (n > 0 && u[n - 1] == '/')
            n--;
        s->id = xasprintf("s3://%.*s", (int)n, u);
    } else {
        char real[PATH_MAX];

        /* (the folder exists now: its staging folder was made) */
        s->id = xstrdup(realpath(s->root, real) ? real : s->root);
    }
    return s;
}

const char *lake_store_id(const lake_store *s)
{
    return s->id;
}

void lake_store_close(lake_store *s)
{
    if (!s)
        return;
    s3_free(s->s3);
    free(s->id);
    free(s->root);
    free(s->staging);
    free(s);
}

char *lake_store_staging_path(lake_store *s, const char *suffix)
{
    return xasprintf("%s/%ld-%lu%s", s->staging, (long)getpid(), ++s->seq,
                     suffix);
}

/* Flushes a file or a folder to disk. */
static int sync_path(const char *path, int dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* The object key of a lake key: under the URI's prefix. */
static char *object_key(const lake_store *s, const char *key)
{
    return s->root[0] ? xasprintf("%s/%s", s->root, key) : xstrdup(key);
}

/* Uploads the staged file in one PUT, which replaces the object
 * atomically: a reader gets the old object or the new one. */
static int put_s3(lake_store *s, const char *staged, const char *key, char *err,
                  size_t errlen)
{
    char *okey = object_key(s, key);
    FILE *f = fopen(staged, "rb");
    struct stat st;
    char *data = NULL;
    int rc = -1;

    if (!f || fstat(fileno(f), &st) < 0) {
        snprintf(err, errlen, "cannot read %s: %s", staged, strerror(errno));
        goto out;
    }
    if ((long long)st.st_size > S3_MAX_FILE) {
        snprintf(err, errlen,
                 "%s: %lld bytes, over the %lld a single PUT "
                 "of the lake takes",
                 key, (long long)st.st_size, S3_MAX_FILE);
        goto out;
    }
    data = xmalloc((size_t)st.st_size + 1);
    if (st.st_size > 0 &&
        fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        snprintf(err, errlen, "cannot read %s", staged);
        goto out;
    }
    if (s3_put(s->s3, okey, data, (size_t)st.st_size, err, errlen) != S3_OK)
        goto out;
    rc = 0;
out:
    if (f)
        fclose(f);
    unlink(staged);
    free(data);
    free(okey);
    return rc;
}

int lake_store_put(lake_store *s, const char *staged, const char *key,
                   char *err, size_t errlen)
{
    char *dest;
    char *dir;
    int rc = -1;

    if (s->s3)
        return put_s3(s, staged, key, err, errlen);
    dest = xasprintf("%s/%s", s->root, key);
    dir = xstrdup(dest);
    *strrchr(dir, '/') = '\0';
    if (make_dirs(dir, err, errlen) < 0)
        goto out;
    if (sync_path(staged, 0) < 0) {
        snprintf(err, errlen, "cannot flush %s: %s", staged, strerror(errno));
        goto out;
    }
    if (rename(staged, dest) < 0) {
        snprintf(err, errlen, "cannot move %s to %s: %s", staged, dest,
                 strerror(errno));
        goto out;
    }
    sync_path(dir, 1);
    rc = 0;
out:
    if (rc < 0)
        unlink(staged);
    free(dir);
    free(dest);
    return rc;
}

int lake_store_delete(lake_store *s, const char *key, char *err, size_t errlen)
{
    char *path;
    int rc = 0;

    if (s->s3) {
        /* S3 has no folders: the day's prefix goes with its last key. */
        char *okey = object_key(s, key);

        rc = s3_delete(s->s3, okey, err, errlen) == S3_ERROR ? -1 : 0;
        free(okey);
        return rc;
    }
    path = xasprintf("%s/%s", s->root, key);
    if (unlink(path) < 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
        rc = -1;
    } else {
        char *slash = strrchr(path, '/');

        *slash = '\0';
        rmdir(path); /* only succeeds when empty, as wanted */
    }
    free(path);
    return rc;
}

long long lake_store_size(lake_store *s, const char *key)
{
    char *path;
    struct stat st;
    long long n = -1;

    if (s->s3) {
        char err[256];

        path = object_key(s, key);
        if (s3_head(s->s3, path, &n, err, sizeof(err)) != S3_OK)
            n = -1;
        free(path);
        return n;
    }
    path = xasprintf("%s/%s", s->root, key);
    n = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    free(path);
    return n;
}
