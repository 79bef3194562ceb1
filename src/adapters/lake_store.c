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

#include "lib/xalloc.h"

struct lake_store {
    char *root; /* absolute, no trailing slash */
    char *staging; /* root/_staging */
    unsigned long seq;
};

int lake_store_local_dir(const char *uri, char *out, size_t cap, char *err,
                         size_t errlen)
{
    const char *path = uri;
    char cwd[PATH_MAX];
    int n;

    if (strncmp(uri, "s3://", 5) == 0 || strncmp(uri, "s3a://", 6) == 0) {
        snprintf(err, errlen,
                 "LAKE_URI %.200s is on S3, and this build writes the lake "
                 "to a local folder only (see docs/LAKE.md); query it "
                 "through Trino (TRINO_URL)",
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

lake_store *lake_store_open(const char *uri, char *err, size_t errlen)
{
    char root[PATH_MAX];
    lake_store *s;

    if (lake_store_local_dir(uri, root, sizeof(root), err, errlen) < 0)
        return NULL;
    s = xcalloc(1, sizeof(*s));
    s->root = xstrdup(root);
    s->staging = xasprintf("%s/_staging", root);
    if (make_dirs(s->staging, err, errlen) < 0) {
        lake_store_close(s);
        return NULL;
    }
    sweep_staging(s->staging);
    return s;
}

void lake_store_close(lake_store *s)
{
    if (!s)
        return;
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

int lake_store_put(lake_store *s, const char *staged, const char *key,
                   char *err, size_t errlen)
{
    char *dest = xasprintf("%s/%s", s->root, key);
    char *dir = xstrdup(dest);
    int rc = -1;

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
    char *path = xasprintf("%s/%s", s->root, key);
    int rc = 0;

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
    char *path = xasprintf("%s/%s", s->root, key);
    struct stat st;
    long long n = stat(path, &st) == 0 ? (long long)st.st_size : -1;

    free(path);
    return n;
}
