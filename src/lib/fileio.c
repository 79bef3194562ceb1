#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/xalloc.h"

void file_open_error(const char *path, int e, char *err, size_t errlen)
{
    char cwd[512];

    if (e == ENOENT && path[0] != '/' && getcwd(cwd, sizeof(cwd)))
        snprintf(err, errlen, "cannot open %s: %s (looked for in %s)", path,
                 strerror(e), cwd);
    else
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
}

int file_open(const char *path, size_t max, file_ro *f, char *err,
              size_t errlen)
{
    struct stat st;
    int rc = -1;

    f->size = 0;
    f->path = xstrdup(path);
    /* (not blocking: a FIFO's open waits for a writer for ever; it is
     * refused below as what it is) */
    f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (f->fd < 0) {
        file_open_error(path, errno, err, errlen);
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
    if (fcntl(f->fd, F_SETFL, 0) < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
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

char *file_read(const char *path, size_t max, size_t *len, char *err,
                size_t errlen)
{
    file_ro f;
    char chunk[65536];
    ssize_t r;
    buf b;

    if (file_open(path, max, &f, err, errlen) < 0)
        return NULL;
    buf_init(&b);
    /* to its end, not to the size it had when opened: a file that grew
     * meanwhile, or one of /proc (size 0), is read whole */
    while ((r = read(f.fd, chunk, sizeof(chunk))) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            goto fail;
        }
        if ((size_t)r > max - b.len) {
            snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
            goto fail;
        }
        buf_add(&b, chunk, (size_t)r);
    }
    file_close(&f);
    return buf_detach(&b, len);
fail:
    buf_release(&b);
    file_close(&f);
    return NULL;
}

/* Where a write to path lands: the target of a symbolic link (one that
 * does not exist yet too), else path itself. The caller frees. */
static char *write_target(const char *path)
{
    struct stat st;
    char link[4096];
    ssize_t n;
    const char *slash;

    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
        return xstrdup(path);
    if (stat(path, &st) == 0) {
        char *real = realpath(path, NULL);

        return real ? real : xstrdup(path);
    }
    n = readlink(path, link, sizeof(link) - 1);
    if (n <= 0)
        return xstrdup(path);
    link[n] = '\0';
    slash = strrchr(path, '/');
    if (link[0] == '/' || !slash)
        return xstrdup(link);
    return xasprintf("%.*s/%s", (int)(slash - path), path, link);
}

/* Gives the new file fd the owner and permissions of the file it will
 * replace (old; never its set-id bits), or for a new file 0666 less the
 * umask. Returns 0, or -1 when root cannot give it the old owner. */
static int take_mode(int fd, const struct stat *old)
{
    mode_t mask;

    if (!old) {
        mask = umask(0);
        umask(mask);
        return fchmod(fd, 0666 & ~mask);
    }
    /* only root can give a file away; others keep their own */
    if (fchown(fd, old->st_uid, old->st_gid) != 0 && geteuid() == 0)
        return -1;
    return fchmod(fd, old->st_mode & 0777);
}

int file_create(const char *path, file_wr *w, char *err, size_t errlen)
{
    struct stat st;
    int fd, old;

    memset(w, 0, sizeof(*w));
    if (!*path) {
        snprintf(err, errlen, "cannot write a file with an empty name");
        return -1;
    }
    w->path = write_target(path);
    old = stat(w->path, &st) == 0;
    if (old && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot write %s: not a regular file", path);
        free(w->path);
        w->path = NULL;
        return -1;
    }
    /* mkstemp's template: six 'X' at the end, which it replaces */
    w->tmp = xasprintf("%s.tmp.______", w->path);
    memset(w->tmp + strlen(w->tmp) - 6, 'X', 6);
    fd = mkstemp(w->tmp); /* a new file of our own, never a link */
    if (fd < 0 || take_mode(fd, old ? &st : NULL) < 0 ||
        !(w->f = fdopen(fd, "w"))) {
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

int file_lock_pid(const char *path, char *holder, size_t cap, char *err,
                  size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    char pid[32];
    ssize_t n;

    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        n = read(fd, holder, cap > 0 ? cap - 1 : 0);
        if (cap > 0) {
            holder[n > 0 ? n : 0] = '\0';
            holder[strcspn(holder, "\n")] = '\0';
        }
        close(fd);
        return 1;
    }
    n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, pid, (size_t)n) != n) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return 0; /* fd stays open, with the lock, until the process ends */
}
