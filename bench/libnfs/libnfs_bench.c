/*
 * libnfs-bench: the libnfs side of the side-by-side benchmarks (bench/README.md, issue 9).
 *
 * One workload per run, over libnfs's synchronous API (libnfs 4.0, NFSv4 when the URL says version=4).
 * The mount happens before the clock starts, as the DokanNfs side mounts before its clock starts, so both
 * time only the workload. Every pass prints one line:
 *
 *   pass=N seconds=S cpu=C count=K bytes=B
 *
 * seconds is wall time (CLOCK_MONOTONIC), cpu is this process's user + system time (getrusage) over the
 * same span. Any failure prints "error: ..." on stderr and exits 1; nothing is retried.
 *
 * With LIBNFS_BENCH_STEP set in the environment it prints "ready" once mounted and, after that and after
 * every pass line, waits for a line on stdin before going on: the harness uses the pauses to read the
 * server's CPU time and the counting relay between passes, outside the timed spans.
 *
 * File names follow the data set the harness prepares: DIR/f00000 ... for stat, DIR/s00000 ... for
 * open-read-close, DIR/c00000 ... for create-delete; tree workloads walk what they find.
 *
 * Build: cc -O2 -o libnfs-bench libnfs_bench.c -lnfs   (Debian: libnfs-dev)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <nfsc/libnfs.h>

#define CHUNK (1024 * 1024)
#define NAME_MAX_LEN 4096

static struct nfs_context *nfs;

struct clock_mark {
    double wall;
    double cpu;
};

static struct clock_mark mark_now(void)
{
    struct timespec ts;
    struct rusage ru;
    struct clock_mark m;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    getrusage(RUSAGE_SELF, &ru);
    m.wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    m.cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    return m;
}

/* In step mode, waits for the harness's go-ahead (a line on stdin). */
static void step(void)
{
    char line[16];
    if (getenv("LIBNFS_BENCH_STEP") != NULL && fgets(line, sizeof line, stdin) == NULL) {
        fprintf(stderr, "error: stdin closed while waiting for the harness\n");
        exit(1);
    }
}

static void report(int pass, struct clock_mark start, long long count, long long bytes)
{
    struct clock_mark end = mark_now();
    printf("pass=%d seconds=%.6f cpu=%.6f count=%lld bytes=%lld\n", pass, end.wall - start.wall, end.cpu - start.cpu, count, bytes);
    fflush(stdout);
    step();
}

static void fail(const char *what, const char *path, int rc)
{
    fprintf(stderr, "error: %s %s: %d %s\n", what, path ? path : "", rc, nfs ? nfs_get_error(nfs) : "");
    exit(1);
}

static void join(char *out, const char *dir, const char *name)
{
    if (snprintf(out, NAME_MAX_LEN, "%s/%s", dir, name) >= NAME_MAX_LEN) {
        fprintf(stderr, "error: path too long: %s/%s\n", dir, name);
        exit(1);
    }
}

static void numbered(char *out, const char *dir, char prefix, int i)
{
    snprintf(out, NAME_MAX_LEN, "%s/%c%05d", dir, prefix, i);
}

/* Reads the whole file in CHUNK reads into one buffer that is thrown away (cat > /dev/null). */
static long long read_file(const char *path, char *buffer, size_t size)
{
    struct nfsfh *fh;
    long long total = 0;
    int rc = nfs_open(nfs, path, O_RDONLY, &fh);
    if (rc < 0) {
        fail("open", path, rc);
    }
    for (;;) {
        rc = nfs_read(nfs, fh, size, buffer);
        if (rc < 0) {
            fail("read", path, rc);
        }
        if (rc == 0) {
            break;
        }
        total += rc;
    }
    rc = nfs_close(nfs, fh);
    if (rc < 0) {
        fail("close", path, rc);
    }
    return total;
}

/* Creates or truncates PATH and writes SIZE bytes of BUFFER (repeated); fsync (COMMIT) before close. */
static long long write_file(const char *path, const char *buffer, size_t chunk, long long size)
{
    struct nfsfh *fh;
    long long done = 0;
    int rc = nfs_open2(nfs, path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &fh);
    if (rc < 0) {
        fail("create", path, rc);
    }
    while (done < size) {
        size_t n = (size - done) < (long long)chunk ? (size_t)(size - done) : chunk;
        rc = nfs_pwrite(nfs, fh, (uint64_t)done, n, buffer);
        if (rc < 0) {
            fail("write", path, rc);
        }
        if (rc == 0) {
            fprintf(stderr, "error: write %s: wrote nothing at %lld\n", path, done);
            exit(1);
        }
        done += rc;
    }
    rc = nfs_fsync(nfs, fh);
    if (rc < 0) {
        fail("fsync", path, rc);
    }
    rc = nfs_close(nfs, fh);
    if (rc < 0) {
        fail("close", path, rc);
    }
    return done;
}

static int list_dir(const char *path)
{
    struct nfsdir *dir;
    struct nfsdirent *entry;
    int count = 0;
    int rc = nfs_opendir(nfs, path, &dir);
    if (rc < 0) {
        fail("opendir", path, rc);
    }
    while ((entry = nfs_readdir(nfs, dir)) != NULL) {
        if (strcmp(entry->name, ".") != 0 && strcmp(entry->name, "..") != 0) {
            count++;
        }
    }
    nfs_closedir(nfs, dir);
    return count;
}

/* Copies a remote tree (directories and regular files) to a new local directory. */
static void tree_down(const char *remote, const char *local, long long *files, long long *bytes, char *buffer)
{
    struct nfsdir *dir;
    struct nfsdirent *entry;
    char rpath[NAME_MAX_LEN], lpath[NAME_MAX_LEN];
    int rc;
    if (mkdir(local, 0755) != 0 && errno != EEXIST) {
        perror(local);
        exit(1);
    }
    rc = nfs_opendir(nfs, remote, &dir);
    if (rc < 0) {
        fail("opendir", remote, rc);
    }
    while ((entry = nfs_readdir(nfs, dir)) != NULL) {
        if (strcmp(entry->name, ".") == 0 || strcmp(entry->name, "..") == 0) {
            continue;
        }
        join(rpath, remote, entry->name);
        join(lpath, local, entry->name);
        if (S_ISDIR(entry->mode)) {
            tree_down(rpath, lpath, files, bytes, buffer);
        } else {
            struct nfsfh *fh;
            int fd;
            rc = nfs_open(nfs, rpath, O_RDONLY, &fh);
            if (rc < 0) {
                fail("open", rpath, rc);
            }
            fd = open(lpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0) {
                perror(lpath);
                exit(1);
            }
            for (;;) {
                rc = nfs_read(nfs, fh, CHUNK, buffer);
                if (rc < 0) {
                    fail("read", rpath, rc);
                }
                if (rc == 0) {
                    break;
                }
                if (write(fd, buffer, (size_t)rc) != rc) {
                    perror(lpath);
                    exit(1);
                }
                *bytes += rc;
            }
            close(fd);
            rc = nfs_close(nfs, fh);
            if (rc < 0) {
                fail("close", rpath, rc);
            }
            (*files)++;
        }
    }
    nfs_closedir(nfs, dir);
}

/*
 * Copies a local tree to a new remote directory: MKDIR, then each file (up to CHUNK bytes) created, written,
 * fsync'ed, closed. libnfs 4.0 fails to encode NFSv4 WRITEs of 4 KiB or more, so this works only for
 * smaller files; the harness compares larger uploads against a local copy instead.
 */
static void tree_up(const char *local, const char *remote, long long *files, long long *bytes, char *buffer)
{
    DIR *dir;
    struct dirent *entry;
    char rpath[NAME_MAX_LEN], lpath[NAME_MAX_LEN];
    int rc = nfs_mkdir(nfs, remote);
    if (rc < 0) {
        fail("mkdir", remote, rc);
    }
    dir = opendir(local);
    if (dir == NULL) {
        perror(local);
        exit(1);
    }
    while ((entry = readdir(dir)) != NULL) {
        struct stat st;
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
            continue;
        }
        join(rpath, remote, entry->d_name);
        join(lpath, local, entry->d_name);
        if (stat(lpath, &st) != 0) {
            perror(lpath);
            exit(1);
        }
        if (S_ISDIR(st.st_mode)) {
            tree_up(lpath, rpath, files, bytes, buffer);
        } else {
            int fd = open(lpath, O_RDONLY);
            ssize_t n;
            if (fd < 0) {
                perror(lpath);
                exit(1);
            }
            n = read(fd, buffer, CHUNK);
            close(fd);
            if (n < 0) {
                perror(lpath);
                exit(1);
            }
            *bytes += write_file(rpath, buffer, CHUNK, n);
            (*files)++;
        }
    }
    closedir(dir);
}

static int usage(void)
{
    fprintf(stderr,
            "usage: libnfs-bench URL WORKLOAD [ARGS]\n"
            "  URL: nfs://HOST/EXPORT?version=4&nfsport=PORT\n"
            "  noop | read FILE | write FILE BYTES | list DIR | stat DIR COUNT PASSES\n"
            "  createdelete DIR COUNT | orc DIR COUNT | treedown DIR LOCALDIR | treeup LOCALDIR DIR\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct nfs_url *url;
    struct clock_mark start;
    const char *workload;
    char *buffer;
    char path[NAME_MAX_LEN];
    int rc;

    if (argc < 3) {
        return usage();
    }
    workload = argv[2];
    buffer = malloc(CHUNK);
    if (buffer == NULL) {
        return 1;
    }
    memset(buffer, 'x', CHUNK);

    nfs = nfs_init_context();
    if (nfs == NULL) {
        fprintf(stderr, "error: nfs_init_context\n");
        return 1;
    }
    url = nfs_parse_url_dir(nfs, argv[1]);
    if (url == NULL) {
        fail("parse url", argv[1], -EINVAL);
    }
    rc = nfs_mount(nfs, url->server, url->path);
    if (rc < 0) {
        fail("mount", argv[1], rc);
    }
    if (getenv("LIBNFS_BENCH_STEP") != NULL) {
        printf("ready\n");
        fflush(stdout);
        step();
    }

    if (strcmp(workload, "noop") == 0) {
        start = mark_now();
        report(1, start, 0, 0);
    } else if (strcmp(workload, "read") == 0 && argc == 4) {
        long long bytes;
        start = mark_now();
        bytes = read_file(argv[3], buffer, CHUNK);
        report(1, start, 1, bytes);
    } else if (strcmp(workload, "write") == 0 && argc == 5) {
        long long size = atoll(argv[4]);
        long long bytes;
        start = mark_now();
        bytes = write_file(argv[3], buffer, CHUNK, size);
        report(1, start, 1, bytes);
    } else if (strcmp(workload, "list") == 0 && argc == 4) {
        int count;
        start = mark_now();
        count = list_dir(argv[3]);
        report(1, start, count, 0);
    } else if (strcmp(workload, "stat") == 0 && argc == 6) {
        int count = atoi(argv[4]);
        int passes = atoi(argv[5]);
        for (int pass = 1; pass <= passes; pass++) {
            struct nfs_stat_64 st;
            start = mark_now();
            for (int i = 0; i < count; i++) {
                numbered(path, argv[3], 'f', i);
                rc = nfs_stat64(nfs, path, &st);
                if (rc < 0) {
                    fail("stat", path, rc);
                }
            }
            report(pass, start, count, 0);
        }
    } else if (strcmp(workload, "createdelete") == 0 && argc == 5) {
        int count = atoi(argv[4]);
        start = mark_now();
        for (int i = 0; i < count; i++) {
            struct nfsfh *fh;
            numbered(path, argv[3], 'c', i);
            rc = nfs_creat(nfs, path, 0644, &fh);
            if (rc < 0) {
                fail("creat", path, rc);
            }
            rc = nfs_close(nfs, fh);
            if (rc < 0) {
                fail("close", path, rc);
            }
        }
        for (int i = 0; i < count; i++) {
            numbered(path, argv[3], 'c', i);
            rc = nfs_unlink(nfs, path);
            if (rc < 0) {
                fail("unlink", path, rc);
            }
        }
        report(1, start, 2LL * count, 0);
    } else if (strcmp(workload, "orc") == 0 && argc == 5) {
        int count = atoi(argv[4]);
        long long bytes = 0;
        start = mark_now();
        for (int i = 0; i < count; i++) {
            numbered(path, argv[3], 's', i);
            bytes += read_file(path, buffer, CHUNK);
        }
        report(1, start, count, bytes);
    } else if (strcmp(workload, "treedown") == 0 && argc == 5) {
        long long files = 0, bytes = 0;
        start = mark_now();
        tree_down(argv[3], argv[4], &files, &bytes, buffer);
        report(1, start, files, bytes);
    } else if (strcmp(workload, "treeup") == 0 && argc == 5) {
        long long files = 0, bytes = 0;
        start = mark_now();
        tree_up(argv[3], argv[4], &files, &bytes, buffer);
        report(1, start, files, bytes);
    } else {
        return usage();
    }

    nfs_destroy_url(url);
    nfs_destroy_context(nfs);
    free(buffer);
    return 0;
}
