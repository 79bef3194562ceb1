#include "lib/objstore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/s3.h"
#include "lib/sha256.h"
#include "lib/xalloc.h"

struct objstore {
    char *root; /* fs */
    s3_client *s3; /* s3; NULL for fs */
};

static int mkdirs(const char *path)
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
    }
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc;
}

static s3_options s3_options_of(const config *c)
{
    const s3_options o = {
        .endpoint = c->s3_endpoint,
        .region = c->s3_region,
        .bucket = c->s3_bucket,
        .access_key = c->minio_access_key,
        .secret_key = c->minio_secret_key,
        .path_style = c->s3_path_style,
    };

    return o;
}

int objstore_check(const config *c, char *err, size_t errlen)
{
    s3_options o;

    if (strcmp(c->object_store, "s3") != 0)
        return 0;
    o = s3_options_of(c);
    return s3_options_check(&o, err, errlen);
}

static objstore *open_s3(const config *c, char *err, size_t errlen)
{
    const s3_options o = s3_options_of(c);
    s3_client *cl = s3_new(&o, err, errlen);
    objstore *s;

    if (!cl)
        return NULL;
    if (s3_ensure_bucket(cl, err, errlen) != S3_OK) {
        s3_free(cl);
        return NULL;
    }
    s = xcalloc(1, sizeof(*s));
    s->s3 = cl;
    return s;
}

objstore *objstore_open(const config *c, char *err, size_t errlen)
{
    objstore *s;

    if (strcmp(c->object_store, "s3") == 0)
        return open_s3(c, err, errlen);
    if (mkdirs(c->object_store_dir) < 0) {
        snprintf(err, errlen, "cannot create OBJECT_STORE_DIR %s: %s",
                 c->object_store_dir, strerror(errno));
        return NULL;
    }
    s = xcalloc(1, sizeof(*s));
    s->root = xstrdup(c->object_store_dir);
    return s;
}

void objstore_close(objstore *s)
{
    if (!s)
        return;
    s3_free(s->s3);
    free(s->root);
    free(s);
}

static int valid_key(const char *key)
{
    size_t n = strlen(key);

    if (n != 71 || strncmp(key, "sha256/", 7) != 0)
        return 0;
    for (size_t i = 7; i < n; i++)
        if (!((key[i] >= '0' && key[i] <= '9') ||
              (key[i] >= 'a' && key[i] <= 'f')))
            return 0;
    return 1;
}

static char *path_of(const objstore *s, const char *hex)
{
    return xasprintf("%s/sha256/%.2s/%.2s/%s", s->root, hex, hex + 2, hex);
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int put_s3(objstore *s, const char *key, const void *data, size_t len,
                  char *err, size_t errlen)
{
    long long have = -1;
    int rc = s3_head(s->s3, key, &have, err, errlen);

    if (rc == S3_OK && have == (long long)len)
        return 0;
    if (rc == S3_ERROR)
        return -1;
    return s3_put(s->s3, key, data, len, err, errlen) == S3_OK ? 0 : -1;
}

int objstore_put(objstore *s, const void *data, size_t len, char key[72],
                 char *err, size_t errlen)
{
    char hex[65];
    char *path, *dir, *tmp = NULL;
    struct stat st;
    int fd, rc = -1;

    sha256_hex(data, len, hex);
    snprintf(key, 72, "sha256/%s", hex);
    if (s->s3)
        return put_s3(s, key, data, len, err, errlen);
    path = path_of(s, hex);
    if (stat(path, &st) == 0 && (size_t)st.st_size == len) {
        free(path);
        return 0;
    }
    dir = xasprintf("%s/sha256/%.2s/%.2s", s->root, hex, hex + 2);
    if (mkdirs(dir) < 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        goto out;
    }
    tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (write_all(fd, data, len) < 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    free(dir);
    free(path);
    return rc;
}

static char *get_s3(objstore *s, const char *key, size_t max, size_t *len,
                    char *err, size_t errlen)
{
    buf b;
    int rc;

    buf_init(&b);
    rc = s3_get(s->s3, key, max, &b, err, errlen);
    if (rc == S3_MISSING)
        snprintf(err, errlen, "object %s not found", key);
    if (rc != S3_OK) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b, len);
}

static char *get_fs(objstore *s, const char *key, size_t max, size_t *len,
                    char *err, size_t errlen)
{
    char *path, *data = NULL;
    struct stat st;
    FILE *f;

    path = path_of(s, key + 7);
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "object %s not found: %s", key, strerror(errno));
        goto out;
    }
    if (fstat(fileno(f), &st) < 0 || (size_t)st.st_size > max) {
        snprintf(err, errlen, "object %s is larger than %zu bytes", key, max);
        fclose(f);
        goto out;
    }
    data = xmalloc((size_t)st.st_size + 1);
    *len = fread(data, 1, (size_t)st.st_size, f);
    data[*len] = '\0';
    fclose(f);
out:
    free(path);
    return data;
}

char *objstore_get(objstore *s, const char *key, size_t max, size_t *len,
                   char *err, size_t errlen)
{
    char hex[65], *data;

    if (!valid_key(key)) {
        snprintf(err, errlen, "invalid object key '%.80s'", key);
        return NULL;
    }
    data = s->s3 ? get_s3(s, key, max, len, err, errlen)
                 : get_fs(s, key, max, len, err, errlen);
    if (!data)
        return NULL;
    /* the key is the hash of the bytes: an object changed or cut since
     * it was written is not the payload it stands for */
    sha256_hex(data, *len, hex);
    if (strcmp(hex, key + 7) != 0) {
        snprintf(err, errlen,
                 "object %s does not hold what it was written with (its "
                 "bytes hash to sha256/%.16s...): changed or cut since",
                 key, hex);
        free(data);
        return NULL;
    }
    return data;
}

int objstore_head(objstore *s, const char *key, size_t *len, char *err,
                  size_t errlen)
{
    struct stat st;
    long long size = 0;
    char *path;
    int rc;

    if (!valid_key(key)) {
        snprintf(err, errlen, "invalid object key '%.80s'", key);
        return -1;
    }
    if (s->s3) {
        rc = s3_head(s->s3, key, &size, err, errlen);
        if (rc == S3_ERROR)
            return -1;
        if (rc == S3_OK && len)
            *len = size < 0 ? 0 : (size_t)size;
        return rc == S3_OK;
    }
    path = path_of(s, key + 7);
    rc = stat(path, &st) == 0;
    if (rc && len)
        *len = (size_t)st.st_size;
    free(path);
    return rc;
}
