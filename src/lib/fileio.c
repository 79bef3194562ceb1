#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/xalloc.h"

char *file_read(const char *path, size_t max, size_t *len, char *err,
                size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    buf b;

    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > max) {
            snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
            fclose(f);
            buf_release(&b);
            return NULL;
        }
        buf_add(&b, chunk, n);
    }
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        fclose(f);
        buf_release(&b);
        return NULL;
    }
    fclose(f);
    return buf_detach(&b, len);
}

int file_open(const char *path, size_t max, file_ro *f, char *err,
              size_t errlen)
{
    struct stat st;
    int rc = -1;

    f->size = 0;
    f->path = xstrdup(path);
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(f->fd, &st) < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        goto out;
    }
    if ((uintmax_t)st.st_size > max) {
        snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
        goto out;
    }
    f->size = (size_t)st.st_size;
    rc = 0;
out:
    if (rc < 0)
        file_close(f);
    return rc;
}

int file_read_at(const file_ro *f, size_t off, char *dst, size_t len, char *err,
                 size_t errlen)
{
    size_t done = 0;

    if (off > (size_t)INT64_MAX - len) {
        snprintf(err, errlen, "cannot read %s: offset out of range", f->path);
        return -1;
    }
    while (done < len) {
        ssize_t n = pread(f->fd, dst + done, len - done, (off_t)(off + done));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read %s: %s", f->path,
                     strerror(errno));
            return -1;
        }
        if (n == 0) {
            snprintf(err, errlen,
                     "cannot read %s: it ends before byte %zu, it was cut "
                     "since it was opened",
                     f->path, off + len);
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

void file_close(file_ro *f)
{
    if (f->path && f->fd >= 0)
        close(f->fd);
    free(f->path);
    f->fd = -1;
    f->path = NULL;
    f->size = 0;
}

int file_create(const char *path, file_wr *w, char *err, size_t errlen)
{
    struct stat st;
    char *real = NULL;
    int fd;

    memset(w, 0, sizeof(*w));
    if (!*path) {
        snprintf(err, errlen, "cannot write a file with an empty name");
        return -1;
    }
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "cannot write %s: not a regular file", path);
            return -1;
        }
        /* a symbolic link is written through, to its target */
        real = realpath(path, NULL);
    }
    w->path = real ? real : xstrdup(path);
    w->tmp = xasprintf("%s.tmp.XXXXXX", w->path);
    fd = mkstemp(w->tmp); /* a new file of our own, never a link */
    if (fd >= 0 && real)
        fchmod(fd, st.st_mode & 07777);
    else if (fd >= 0)
        fchmod(fd, 0644);
    if (fd < 0 || !(w->f = fdopen(fd, "w"))) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(w->tmp);
        }
        free(w->path);
        free(w->tmp);
        memset(w, 0, sizeof(*w));
        return -1;
    }
    return 0;
}

int file_commit(file_wr *w, char *err, size_t errlen)
{
    int failed = ferror(w->f) || fflush(w->f) != 0 || fsync(fileno(w->f)) != 0;
    int saved = errno;

    if (fclose(w->f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    w->f = NULL;
    if (!failed && rename(w->tmp, w->path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        snprintf(err, errlen, "cannot write %s: %s (left as it was)", w->path,
                 strerror(saved ? saved : EIO));
        unlink(w->tmp);
    }
    free(w->path);
    free(w->tmp);
    memset(w, 0, sizeof(*w));
    return failed ? -1 : 0;
}

void file_abandon(file_wr *w)
{
    if (w->f) {
        fclose(w->f);
        unlink(w->tmp);
    }
    free(w->path);
    free(w->tmp);
    memset(w, 0, sizeof(*w));
}

int file_same(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}
